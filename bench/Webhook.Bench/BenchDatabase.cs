using Webhook.Testing;

namespace Webhook.Bench;

/// <summary>
/// The run's own database on the bench PostgreSQL, and the simulated slow work in it.
/// <para>
/// <c>bench_work(capacity, ms, design)</c> is one event's downstream work: it takes one of <c>capacity</c> slots
/// (transaction-scoped advisory locks; 0 = no limit), holds it for <c>ms</c> (<c>pg_sleep</c>), and logs when the
/// operation entered the database, when it got its slot and when it finished, in an unlogged table (no WAL, so the
/// log adds no disk flush to either design). The slots are the database's capacity: a real database slows down when
/// more operations arrive than it can run at once (locks, CPU, disk); here they wait for a slot, first come first
/// served. Our pipeline runs it from a trigger on <c>inbox_messages</c>, inside the Processor's own transaction, so
/// the real Processor does the slow work; the naive baseline runs it inside the HTTP request. Neither the trigger nor
/// the function exists outside the benchmark's database.
/// </para>
/// </summary>
public sealed class BenchDatabase(IsolatedDatabase database)
{
    public IsolatedDatabase Database => database;

    public string Name => database.Name;

    public string ConnectionString => database.ConnectionString;

    public Task CreateAsync(CancellationToken ct) => database.CreateAsync(ct);

    public Task DropAsync(CancellationToken ct) => database.DropAsync(ct);

    public Task InstallWorkAsync(CancellationToken ct) => ExecuteAsync("""
        CREATE UNLOGGED TABLE IF NOT EXISTS bench_work_log (design text NOT NULL, entered timestamptz NOT NULL,
            started timestamptz NOT NULL, finished timestamptz NOT NULL);
        CREATE SEQUENCE IF NOT EXISTS bench_work_ticket;
        CREATE OR REPLACE FUNCTION bench_work(capacity int, ms int, design text) RETURNS void LANGUAGE plpgsql AS $$
        DECLARE
            entered timestamptz := clock_timestamp();
            started timestamptz;
            got boolean := false;
        BEGIN
            IF capacity > 0 THEN
                FOR slot IN 0 .. capacity - 1 LOOP
                    got := pg_try_advisory_xact_lock(5720, slot);
                    EXIT WHEN got;
                END LOOP;
                -- All slots busy: queue for one. Tickets go round the slots, and every operation holds its slot
                -- for the same time, so the slot a ticket waits for is the next to come free: first come, first served.
                IF NOT got THEN
                    PERFORM pg_advisory_xact_lock(5720, (nextval('bench_work_ticket') % capacity)::int);
                END IF;
            END IF;
            started := clock_timestamp();
            PERFORM pg_sleep(ms / 1000.0);
            INSERT INTO bench_work_log VALUES (design, entered, started, clock_timestamp());
        END $$;
        """, ct);

    /// <summary>
    /// The marketing data the events are about: 10,000 emails (<see cref="Requests.EmailId"/>) sent to 1,000 customers,
    /// each showing two of 50 products. Many emails, so that concurrent events rarely touch the same counters or rows,
    /// as in a real mailing.
    /// </summary>
    public Task SeedAsync(CancellationToken ct) => ExecuteAsync($$"""
        INSERT INTO products (sku, name) SELECT 'bench-' || i, 'Product ' || i FROM generate_series(0, 49) i;
        INSERT INTO customers (email_address, name) SELECT 'customer' || i || '@example.com', 'Customer ' || i FROM generate_series(0, 999) i;
        INSERT INTO emails (id, customer_id, subject, sent_at)
            SELECT 'email-' || ({{Requests.FirstEmail}} + i), c.id, 'Picked for you', now() - interval '1 day'
            FROM generate_series(0, {{Requests.Emails - 1}}) i JOIN customers c ON c.email_address = 'customer' || (i % 1000) || '@example.com';
        INSERT INTO email_products (email_id, product_id)
            SELECT 'email-' || ({{Requests.FirstEmail}} + i), p.id
            FROM generate_series(0, {{Requests.Emails - 1}}) i JOIN products p ON p.sku IN ('bench-' || (i % 50), 'bench-' || ((i + 7) % 50));
        """, ct);

    /// <summary>Makes every event the Processor applies do the slow work, inside its transaction.</summary>
    public Task InstallTriggerAsync(int capacity, int milliseconds, CancellationToken ct) => ExecuteAsync($"""
        CREATE OR REPLACE FUNCTION bench_inbox_work() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM bench_work(TG_ARGV[0]::int, TG_ARGV[1]::int, 'ours');
            RETURN NEW;
        END $$;
        DROP TRIGGER IF EXISTS bench_inbox_work ON inbox_messages;
        CREATE TRIGGER bench_inbox_work BEFORE INSERT ON inbox_messages
            FOR EACH ROW EXECUTE FUNCTION bench_inbox_work('{capacity}', '{milliseconds}');
        """, ct);

    public Task RemoveTriggerAsync(CancellationToken ct) => ExecuteAsync("DROP TRIGGER IF EXISTS bench_inbox_work ON inbox_messages", ct);

    public async Task<long> InboxCountAsync(CancellationToken ct) => await ScalarAsync<long>("SELECT count(*) FROM inbox_messages", ct);

    public async Task<long> WorkCountAsync(string design, CancellationToken ct) =>
        await ScalarAsync<long>($"SELECT count(*) FROM bench_work_log WHERE design = '{design}'", ct);

    /// <summary>
    /// The most operations of a design that were in the database at once (entered, not yet finished), computed
    /// exactly from the log: a sweep over the intervals' ends, a finish counted before a start at the same instant.
    /// With <paramref name="running"/>, those that held a slot (started, not yet finished).
    /// </summary>
    public async Task<long> PeakConcurrencyAsync(string design, bool running, CancellationToken ct)
    {
        var from = running ? "started" : "entered";
        return await ScalarAsync<long>($"""
            SELECT coalesce(max(level), 0) FROM (
                SELECT sum(delta) OVER (ORDER BY at, delta ROWS UNBOUNDED PRECEDING) AS level FROM (
                    SELECT {from} AS at, 1 AS delta FROM bench_work_log WHERE design = '{design}'
                    UNION ALL
                    SELECT finished, -1 FROM bench_work_log WHERE design = '{design}') edges) levels
            """, ct);
    }

    public async Task<DateTime> NowAsync(CancellationToken ct) => await ScalarAsync<DateTime>("SELECT clock_timestamp()", ct);

    /// <summary>Seconds a design's operations spent doing the work (holding a slot) between two instants of the database's clock.</summary>
    public Task<double> WorkSecondsAsync(string design, DateTime from, DateTime to, CancellationToken ct) =>
        database.ScalarAsync<double>("""
            SELECT coalesce(sum(extract(epoch FROM least(finished, $3) - greatest(started, $2))), 0)::float8
            FROM bench_work_log WHERE design = $1 AND finished > $2 AND started < $3
            """, ct, design, from, to);

    Task ExecuteAsync(string sql, CancellationToken ct) => database.ExecuteAsync(sql, ct);

    Task<T> ScalarAsync<T>(string sql, CancellationToken ct) => database.ScalarAsync<T>(sql, ct);
}
