using Webhook.Testing;

namespace Webhook.Tests.Faults;

/// <summary>
/// The concurrency limit is what the database sees, across all Processor replicas. Measured inside PostgreSQL: a
/// trigger on the inbox (the first write of every event's transaction) counts the inbox inserts running at that
/// moment in pg_stat_activity, records the count, and holds the transaction a little so that overlaps show.
/// </summary>
[Trait("Category", "Faults")]
[Collection(FaultTestGroup.Name)]
public class GlobalConcurrencyTests
{
    const string InstallProbe = """
        CREATE TABLE concurrency_samples (active int NOT NULL);
        CREATE FUNCTION sample_concurrency() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_stat_clear_snapshot();
            INSERT INTO concurrency_samples (active)
            SELECT count(*) FROM pg_stat_activity
            WHERE datname = current_database() AND state = 'active' AND query LIKE '%INSERT INTO inbox_messages%';
            PERFORM pg_sleep(0.05);
            RETURN NEW;
        END $$;
        CREATE TRIGGER inbox_concurrency BEFORE INSERT ON inbox_messages FOR EACH ROW EXECUTE FUNCTION sample_concurrency();
        """;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Should_reach_and_never_exceed_the_limit_in_the_database_whatever_the_number_of_replicas(int replicas)
    {
        await using var system = await RunningSystem.StartAsync(processors: replicas);
        await system.Database.ExecuteAsync(InstallProbe);
        var emails = await system.AddEmailsAsync(10);

        var sender = new ProviderSender(system.Client, emails, eventsPerRequest: 10);
        await sender.SendAsync(requests: 12, requestsPerSecond: 100);
        await system.WaitUntilAsync(async () => await system.AppliedEventsAsync() == 120, "120 events applied");

        var peak = await system.Database.ScalarAsync<int>("SELECT max(active)::int FROM concurrency_samples");
        Assert.Equal(3, peak);
    }
}
