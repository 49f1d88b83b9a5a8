---------------------------------------------------------------------------
-- Privileges of alert delivery. PROVISIONAL: the lead moves these lines into
-- 0.3.0's 99_access.sql. anomaly.channel_secrets holds secrets (webhook URLs,
-- routing keys, SMTP passwords) and anomaly.alert_outbox every alert of every
-- metric: both are for anomaly_admin only. anomaly_reader may see which
-- channels exist (no secret there).
---------------------------------------------------------------------------

GRANT SELECT ON anomaly.channels TO anomaly_reader;
GRANT SELECT, INSERT, UPDATE, DELETE ON anomaly.channels, anomaly.channel_secrets, anomaly.alert_outbox TO anomaly_admin;
-- delivery_config() writes the settings row the first time.
GRANT SELECT, INSERT, UPDATE ON anomaly.delivery_settings TO anomaly_admin;

-- The transport posts wherever it is told, and sending is an administrator's job.
REVOKE ALL ON FUNCTION anomaly.curl_http_post(pg_catalog.text, pg_catalog.text, pg_catalog.text[], pg_catalog.int4),
                       anomaly.curl_smtp_send(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text[], pg_catalog.text[], pg_catalog.text, pg_catalog.int4),
                       anomaly.send_outbox_message(anomaly.alert_outbox, anomaly.delivery_settings),
                       anomaly.deliver_outbox_message(anomaly.alert_outbox),
                       anomaly.outbox_http_request(anomaly.alert_outbox),
                       anomaly.record_attempt(pg_catalog.int8, pg_catalog.int4, pg_catalog.text, pg_catalog.bool),
                       anomaly.schedule_delivery(pg_catalog.text), anomaly.unschedule_delivery()
    FROM PUBLIC;
REVOKE ALL ON PROCEDURE anomaly.deliver_alerts(pg_catalog.timestamptz, pg_catalog.int4, pg_catalog.int4, pg_catalog.int4, pg_catalog.int4, pg_catalog.int4)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION anomaly.curl_http_post(pg_catalog.text, pg_catalog.text, pg_catalog.text[], pg_catalog.int4),
                          anomaly.curl_smtp_send(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text[], pg_catalog.text[], pg_catalog.text, pg_catalog.int4),
                          anomaly.send_outbox_message(anomaly.alert_outbox, anomaly.delivery_settings),
                          anomaly.deliver_outbox_message(anomaly.alert_outbox),
                          anomaly.outbox_http_request(anomaly.alert_outbox),
                          anomaly.record_attempt(pg_catalog.int8, pg_catalog.int4, pg_catalog.text, pg_catalog.bool),
                          anomaly.schedule_delivery(pg_catalog.text), anomaly.unschedule_delivery()
    TO anomaly_admin;
GRANT EXECUTE ON PROCEDURE anomaly.deliver_alerts(pg_catalog.timestamptz, pg_catalog.int4, pg_catalog.int4, pg_catalog.int4, pg_catalog.int4, pg_catalog.int4)
    TO anomaly_admin;
