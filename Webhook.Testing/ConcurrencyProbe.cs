using Webhook.Slots;
using Webhook.Storage;

namespace Webhook.Testing;

/// <summary>
/// How many events the Processors work on at once, as PostgreSQL sees it. A trigger on the inbox (the first write of
/// every event's statement) counts, at that moment, the Processors' sessions that are inside a transaction, its own
/// included (an event's work in PostgreSQL is one statement, and so one transaction), records the count, and holds its
/// transaction a little so that overlaps show. A session taking a statistics slot, or giving one back, is not working
/// on an event in PostgreSQL and is not counted (those sessions hold their slot for a DynamoDB write). Nor is a session
/// running the pool's reset, which Npgsql sends ahead of a reused session's next statement: <c>DISCARD ALL</c> cannot
/// run inside a transaction block, so that session is in no event's transaction (the other form of the reset releases
/// advisory locks, and the filter on them leaves it out too). Nor, last, is a session in an event's statement that
/// holds no PostgreSQL slot: its attempt found every slot taken and does nothing, or its transaction is ending (a
/// backend gives its locks back before it leaves the transaction in pg_stat_activity, and one whose server shuts down
/// tells its client before either, so the client's next attempt can already be at work under the slot it left). The
/// inserting session is counted whatever it holds, and so is any session inside a transaction in another statement,
/// but for the readiness check's (<see cref="PostgresHealthCheck.Statement"/>), which is no event's work.
/// </summary>
public static class ConcurrencyProbe
{
    /// <summary>Installs the probe into a system's database (after the Processor has migrated it).</summary>
    /// <param name="hold">How long each event's transaction is held at its inbox insert: longer shows more overlap, and slows the Processor.</param>
    public static Task InstallAsync(IsolatedDatabase database, TimeSpan hold) => database.ExecuteAsync(
        $$"""
        CREATE TABLE concurrency_samples (sampled_at timestamptz NOT NULL DEFAULT clock_timestamp(), active int NOT NULL,
            sessions text);
        CREATE FUNCTION sample_concurrency() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_stat_clear_snapshot();
            INSERT INTO concurrency_samples (active, sessions)
            SELECT count(*), string_agg(a.pid || ' since ' || to_char(a.backend_start, 'HH24:MI:SS.MS') || ' ' || a.state
                || coalesce(' ' || a.wait_event_type || '/' || a.wait_event, '')
                || CASE WHEN held.slot THEN ' holding a slot' ELSE ' holding no slot' END
                || CASE WHEN a.pid = pg_backend_pid() THEN ' (this event)' ELSE '' END
                || ': ' || left(a.query, 60), ' | ')
            FROM pg_stat_activity a
            CROSS JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.locktype = 'advisory'
                AND l.granted AND l.classid = {{SlotLocks.Postgres}} AND l.objsubid = 2) AS slot) held
            WHERE a.datname = current_database() AND a.application_name = 'Webhook.Processor' AND a.backend_type = 'client backend'
              AND a.xact_start IS NOT NULL
              AND a.query NOT LIKE '%pg_try_advisory_lock%' AND a.query NOT LIKE '%pg_advisory_unlock%' AND a.query <> 'DISCARD ALL'
              AND a.query <> '{{PostgresHealthCheck.Statement}}'
              AND (held.slot OR a.pid = pg_backend_pid() OR a.query NOT LIKE '%pg_try_advisory_xact_lock({{SlotLocks.Postgres}},%');
            PERFORM pg_sleep({{hold.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}});
            RETURN NEW;
        END $$;
        CREATE TRIGGER inbox_concurrency BEFORE INSERT ON inbox_messages FOR EACH ROW EXECUTE FUNCTION sample_concurrency();
        """);

    /// <summary>
    /// What the sessions counted were doing when the most were seen at once: the first statement of each (a session
    /// still in its event's transaction shows its inbox insert or the statement before it).
    /// </summary>
    public static Task<string?> PeakSessionsAsync(IsolatedDatabase database) =>
        database.ScalarAsync<string?>("SELECT sessions FROM concurrency_samples ORDER BY active DESC, sampled_at LIMIT 1");

    /// <summary>The most events seen at once since the probe was installed (0 when none was applied).</summary>
    public static Task<int> PeakAsync(IsolatedDatabase database) =>
        database.ScalarAsync<int>("SELECT coalesce(max(active), 0)::int FROM concurrency_samples");
}
