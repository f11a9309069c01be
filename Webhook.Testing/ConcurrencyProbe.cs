namespace Webhook.Testing;

/// <summary>
/// How many events the Processors work on at once, as PostgreSQL sees it. A trigger on the inbox (the first write of
/// every event's statement) counts, at that moment, the Processors' sessions that are inside a transaction, its own
/// included (an event's work in PostgreSQL is one statement, and so one transaction), records the count, and holds its
/// transaction a little so that overlaps show. A session taking a statistics slot, or giving one back, is not working
/// on an event in PostgreSQL and is not counted (those sessions hold their slot for a DynamoDB write). Nor is a session
/// running the pool's reset, which Npgsql sends ahead of a reused session's next statement: <c>DISCARD ALL</c> cannot
/// run inside a transaction block, so that session is in no event's transaction (the other form of the reset releases
/// advisory locks, and the filter on them leaves it out too).
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
            SELECT count(*), string_agg(pid || ' ' || state || ': ' || left(query, 80), ' | ') FROM pg_stat_activity
            WHERE datname = current_database() AND application_name = 'Webhook.Processor' AND backend_type = 'client backend'
              AND xact_start IS NOT NULL
              AND query NOT LIKE '%pg_try_advisory_lock%' AND query NOT LIKE '%pg_advisory_unlock%' AND query <> 'DISCARD ALL';
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
