using Webhook.Contracts;

namespace Webhook.Testing;

/// <summary>
/// What the stores hold after a stream of Opened events for emails showing one product each: every application
/// adds one view in PostgreSQL and one open in DynamoDB, while the inbox and the events table hold each event once.
/// </summary>
public sealed record StoreAudit(int Applied, int DistinctApplied, int Counted, int DistinctCounted)
{
    public static async Task<StoreAudit> TakeAsync(RunningSystem system, IReadOnlyList<string> emailIds)
    {
        var applied = await system.Database.TotalViewsAsync();
        var distinctApplied = await system.Database.AppliedEventsAsync(EmailEventTypes.Opened);
        var counted = 0;
        var distinctCounted = 0;
        foreach (var emailId in emailIds)
        {
            counted += await system.Dynamo.EmailCounterAsync(emailId, "Opens");
            distinctCounted += await system.Dynamo.EventCountAsync(emailId);
        }
        return new StoreAudit(applied, distinctApplied, counted, distinctCounted);
    }

    /// <summary>Applications and counts beyond the first for some event.</summary>
    public int Duplicates => Applied - DistinctApplied + (Counted - DistinctCounted);

    /// <summary>Acknowledged events missing from either store.</summary>
    public int Lost(int acknowledged) => Math.Max(acknowledged - DistinctApplied, acknowledged - DistinctCounted);
}
