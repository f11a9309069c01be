using Webhook.Contracts;

namespace Webhook.Messaging.SetAside;

/// <summary>
/// Where the events the API could not accept from verified webhooks wait for an operator (<see cref="EmailEventSetAside"/>):
/// read them, and delete them once dealt with. Transport-specific by nature, like the dead letters.
/// </summary>
public interface ISetAsideEvents
{
    /// <summary>Reads <paramref name="limit"/> of them from position <paramref name="offset"/>, leaving them in place.</summary>
    Task<SetAsidePage> ListAsync(int offset, int limit, CancellationToken cancellationToken);

    /// <summary>Deletes those with the ids given (all of them when <paramref name="ids"/> is null).</summary>
    Task<SetAsidePurge> PurgeAsync(IReadOnlySet<Guid>? ids, CancellationToken cancellationToken);
}

/// <summary>A page of set-aside events, in queue order; <paramref name="Total"/> is what the queue held when read.</summary>
public sealed record SetAsidePage(int Total, int Offset, IReadOnlyList<EmailEventSetAside> Items);

/// <summary>What a purge did.</summary>
public sealed record SetAsidePurge(int Examined, int Purged);
