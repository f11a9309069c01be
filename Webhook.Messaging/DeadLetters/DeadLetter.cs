using System.Text.Json;

namespace Webhook.Messaging.DeadLetters;

/// <summary>An event the Processor gave up on, as the dead-letter queue holds it, with the story of its failures.</summary>
public sealed record DeadLetter
{
    /// <summary>The event's id (also the broker's message id); null only when the message is not an event at all.</summary>
    public Guid? EventId { get; init; }

    public string? EventType { get; init; }

    public string? EmailId { get; init; }

    public string? Provider { get; init; }

    /// <summary>Why it is here: the exception's message, or what the broker said when it dead-lettered the event.</summary>
    public required string Reason { get; init; }

    /// <summary>Who gave up: <see cref="DeadLetterSources.Processor"/> (an exception) or <see cref="DeadLetterSources.Broker"/> (the delivery limit).</summary>
    public required string FailedIn { get; init; }

    /// <summary>
    /// Processing attempts over all its rounds: the first try, the in-process retries and the redeliveries of each round.
    /// Null when the broker dead-lettered it at the queue's delivery limit: the broker's copy does not say how many
    /// deliveries it counted, only that they were more than the limit of the queue's policy.
    /// </summary>
    public required int? Attempts { get; init; }

    /// <summary>How many times an operator has replayed it (and it failed again).</summary>
    public required int Replays { get; init; }

    /// <summary>When it first failed for good, before any replay.</summary>
    public DateTimeOffset? FirstFailedAt { get; init; }

    /// <summary>When it failed last, i.e. when it arrived in the dead-letter queue this time.</summary>
    public DateTimeOffset? LastFailedAt { get; init; }

    /// <summary>The exception's type (Processor failures only).</summary>
    public string? ExceptionType { get; init; }

    public string? StackTrace { get; init; }

    /// <summary>The whole message as the broker holds it: MassTransit's envelope around the event, or the raw text when it is not JSON.</summary>
    public JsonElement? Body { get; init; }

    public string? RawBody { get; init; }

    /// <summary>The message's headers, each as text.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
}

/// <summary>Where an event was given up on.</summary>
public static class DeadLetterSources
{
    /// <summary>The Processor's consumer threw (after its retries, for a transient failure).</summary>
    public const string Processor = "processor";

    /// <summary>The broker dead-lettered it: delivered too often without being settled (the consumer kept crashing).</summary>
    public const string Broker = "broker";
}

/// <summary>Which dead letters an operation applies to: all of them, or those matching every filter given.</summary>
public sealed record DeadLetterSelection
{
    public bool All { get; init; }

    public IReadOnlyList<Guid> EventIds { get; init; } = [];

    public string? EventType { get; init; }

    public string? EmailId { get; init; }

    /// <summary>Last failure strictly before this time.</summary>
    public DateTimeOffset? FailedBefore { get; init; }

    /// <summary>Last failure at or after this time.</summary>
    public DateTimeOffset? FailedAfter { get; init; }

    public bool HasFilter => EventIds.Count > 0 || EventType is not null || EmailId is not null || FailedBefore is not null || FailedAfter is not null;

    /// <summary>The selection in words, for the log.</summary>
    public override string ToString()
    {
        if (!HasFilter)
            return All ? "all" : "none";
        var parts = new List<string>();
        if (EventIds.Count > 0)
            parts.Add($"event ids {string.Join(", ", EventIds)}");
        if (EventType is not null)
            parts.Add($"type {EventType}");
        if (EmailId is not null)
            parts.Add($"email {EmailId}");
        if (FailedAfter is { } after)
            parts.Add($"failed at or after {after:O}");
        if (FailedBefore is { } before)
            parts.Add($"failed before {before:O}");
        return string.Join("; ", parts);
    }

    public bool Matches(DeadLetter letter) =>
        (EventIds.Count == 0 || letter.EventId is { } id && EventIds.Contains(id))
        && (EventType is null || string.Equals(letter.EventType, EventType, StringComparison.OrdinalIgnoreCase))
        && (EmailId is null || string.Equals(letter.EmailId, EmailId, StringComparison.Ordinal))
        && (FailedBefore is null || letter.LastFailedAt < FailedBefore)
        && (FailedAfter is null || letter.LastFailedAt >= FailedAfter);
}

/// <summary>A page of the dead-letter queue, in queue order.</summary>
/// <param name="Total">Messages waiting in the queue when it was read (those another operation holds at that moment are not counted).</param>
public sealed record DeadLetterPage(int Total, int Offset, IReadOnlyList<DeadLetter> Items);

/// <summary>What a replay did.</summary>
/// <param name="Examined">Dead letters looked at.</param>
/// <param name="Replayed">Dead letters confirmed back on the main queue and removed from the dead-letter queue.</param>
/// <param name="Failure">Why the replay stopped early, if it did; every event not replayed is still in the dead-letter queue.</param>
public sealed record ReplayResult(int Examined, int Replayed, string? Failure = null);

/// <summary>What a purge did.</summary>
public sealed record PurgeResult(int Examined, int Purged);
