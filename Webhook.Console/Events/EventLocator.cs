using Npgsql;
using Webhook.Console.Stats;
using Webhook.Messaging;
using Webhook.Messaging.DeadLetters;

namespace Webhook.Console.Events;

/// <summary>
/// Where one event is: counted in DynamoDB (its item), applied in PostgreSQL (its inbox row), in the dead letters
/// (with the reason), and what the main queue holds. All read-only; the four are asked at once.
/// </summary>
public sealed class EventLocator(StatisticsReader statistics, NpgsqlDataSource postgres, IDeadLetters deadLetters, IEventBacklog backlog)
{
    public async Task<EventLocation> LocateAsync(Guid eventId, CancellationToken ct)
    {
        var counted = statistics.EventAsync(eventId, ct);
        var applied = InboxAsync(eventId, ct);
        var deadLetter = deadLetters.FindAsync(eventId, ct);
        var waiting = backlog.StateAsync(ct);
        await Task.WhenAll(counted, applied, deadLetter, waiting);
        return EventLocation.Of(eventId, await counted, await applied, await deadLetter, await waiting);
    }

    /// <summary>The event's row in the Processor's inbox (its migrations define the table), or null.</summary>
    async Task<InboxRow?> InboxAsync(Guid eventId, CancellationToken ct)
    {
        await using var command = postgres.CreateCommand("SELECT event_type, processed_at, retained FROM inbox_messages WHERE event_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = eventId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            return null;
        return new InboxRow(reader.GetString(0), await reader.GetFieldValueAsync<DateTimeOffset>(1, ct), reader.GetBoolean(2));
    }
}

/// <summary>An event's row in the Processor's inbox: it was applied to PostgreSQL then.</summary>
/// <param name="Retained">Kept for good (it failed once) rather than for Processor:InboxRetention.</param>
public sealed record InboxRow(string EventType, DateTimeOffset ProcessedAt, bool Retained);

/// <summary>Where an event is, in each place it can be, and in one word.</summary>
/// <param name="Status">
/// <c>processed</c> (counted and applied), <c>counted</c> (in DynamoDB; PostgreSQL's inbox forgets applied events after
/// Processor:InboxRetention, so an older event shows only here), <c>applied</c> (in PostgreSQL, not yet in DynamoDB: being
/// processed or waiting for a retry), <c>dead-lettered</c> (in the error queue, whatever the stores hold), or
/// <c>unknown</c> (in none of them).
/// </param>
public sealed record EventLocation(Guid EventId, string Status, StoredEvent? Counted, InboxRow? Applied, DeadLetterSummaryView? DeadLetter, EventBacklog? Queue)
{
    public const string Unknown = "unknown";

    public static EventLocation Of(Guid eventId, StoredEvent? counted, InboxRow? applied, DeadLetter? deadLetter, EventBacklog? queue)
    {
        var status = deadLetter is not null ? "dead-lettered"
            : counted is not null && applied is not null ? "processed"
            : counted is not null ? "counted"
            : applied is not null ? "applied"
            : Unknown;
        return new EventLocation(eventId, status, counted, applied, deadLetter is null ? null : DeadLetterSummaryView.Of(deadLetter), queue);
    }
}

/// <summary>What an event lookup shows of its dead letter.</summary>
public sealed record DeadLetterSummaryView(string? EventType, string? EmailId, string Reason, string FailedIn, int? Attempts, int Replays, DateTimeOffset? LastFailedAt)
{
    public static DeadLetterSummaryView Of(DeadLetter l) => new(l.EventType, l.EmailId, l.Reason, l.FailedIn, l.Attempts, l.Replays, l.LastFailedAt);
}
