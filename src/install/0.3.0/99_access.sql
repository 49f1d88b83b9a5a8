---------------------------------------------------------------------------
-- Privileges of what 0.3.0 adds (last, so that every object exists); the
-- roles and the 0.2.0 grants are in 0.2.0's 99_access.sql.
--   anomaly_reader  the incidents view and the channel list (no secret);
--   anomaly_admin   channels and their secrets, the outbox, sending.
-- anomaly.channel_secrets holds secrets (webhook URLs, routing keys, SMTP
-- passwords) and anomaly.alert_outbox every alert of every metric: both are
-- for anomaly_admin only. root_cause() and plot_svg() run with the caller's
-- rights and read the monitoring tables: anomaly_admin (readers see stored
-- causes in open_alerts.root_causes and the incidents view).
---------------------------------------------------------------------------

GRANT SELECT ON anomaly.incidents, anomaly.metric_relations TO anomaly_reader, anomaly_admin;

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
