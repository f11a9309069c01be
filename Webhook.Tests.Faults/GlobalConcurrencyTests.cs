using Webhook.Testing;

namespace Webhook.Tests.Faults;

/// <summary>
/// The concurrency limit is what the database sees, across all Processor replicas, measured inside PostgreSQL
/// (<see cref="ConcurrencyProbe"/>: the Processors' sessions inside a transaction, counted at each event's first
/// write, each held a little so that overlaps show).
/// </summary>
[Trait("Category", "Faults")]
[Collection(FaultTestGroup.Name)]
public class GlobalConcurrencyTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Should_reach_and_never_exceed_the_limit_in_the_database_whatever_the_number_of_replicas(int replicas)
    {
        await using var system = await RunningSystem.StartAsync(processors: replicas);
        await ConcurrencyProbe.InstallAsync(system.Database, TimeSpan.FromMilliseconds(50));
        var emails = await system.AddEmailsAsync(10);

        var sender = new ProviderSender(system.Client, emails, eventsPerRequest: 10);
        await sender.SendAsync(requests: 12, requestsPerSecond: 100);
        await system.WaitUntilAppliedAsync(120);

        Assert.Equal(3, await ConcurrencyProbe.PeakAsync(system.Database));
    }
}
