using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Webhook.Contracts;
using Webhook.Storage;

namespace Webhook.Processor.Stats;

/// <summary>Counts an email event in the statistics exactly once.</summary>
public interface IEmailStatistics
{
    /// <summary>True when the event was counted now, false when it had been counted before.</summary>
    /// <param name="message">The event.</param>
    /// <param name="slot">
    /// The number of the statistics slot the caller holds while it counts: the share of the day's count the event moves
    /// (<see cref="StatsTables.DayTypeKey"/>), so that the events counted at once never write the same item.
    /// </param>
    /// <param name="cancellationToken">Cancels the write.</param>
    Task<bool> RecordAsync(EmailEventReceived message, int slot, CancellationToken cancellationToken);
}

/// <summary>
/// One DynamoDB transaction per event: the event's own item, written only if absent, and the counters it moves (the
/// email's totals, the caller's slot's share of the day's count of its type, the email's count of its type that day).
/// An event delivered twice fails its condition, which cancels the whole transaction, so it is counted once.
/// First and last open: an open is first taken to be the email's latest (opens mostly arrive in order), so the
/// transaction sets it as the last open on the condition that no later one is recorded, and as the first if there is
/// none, without reading anything. An open older than the last one recorded (out of order) cancels that; then the
/// current values are read and the transaction is conditional on them being unchanged, retried when another event for
/// the email got in between.
/// </summary>
public sealed class DynamoEmailStatistics(IAmazonDynamoDB dynamo, StatsTables tables) : IEmailStatistics
{
    const int MaxAttempts = 10;
    const string ConditionalCheckFailed = "ConditionalCheckFailed";

    public async Task<bool> RecordAsync(EmailEventReceived message, int slot, CancellationToken cancellationToken)
    {
        try
        {
            return await RecordOnceAsync(message, slot, cancellationToken);
        }
        catch (AmazonDynamoDBException ex) when (RefusesTheEvent(ex))
        {
            // MassTransit's fault headers name the innermost exception, which for the AWS SDK is an anonymous HTTP
            // error; the error queue should say what DynamoDB refused and why.
            throw new StatisticsRejectedException($"DynamoDB refused event {message.EventId} {WhyRefused(ex)}");
        }
        // Anything else (a table missing, access denied, DynamoDB down) is not this event's fault: it propagates as it
        // is, and consumption waits until it is fixed (EventFailures).
    }

    /// <summary>
    /// DynamoDB's answer to data it will never take: a ValidationException (a key over 2048 bytes, an item over
    /// 400 KB), alone or as the reason a transaction was cancelled.
    /// </summary>
    static bool RefusesTheEvent(AmazonDynamoDBException ex) =>
        ex.ErrorCode == "ValidationException"
        || ex is TransactionCanceledException { CancellationReasons: { } reasons } && reasons.Any(r => r.Code == "ValidationError");

    /// <summary>
    /// DynamoDB's own words: the error's code and message, or for a cancelled transaction the reasons it gives for
    /// the items it refused (the transaction's own message only points at them).
    /// </summary>
    static string WhyRefused(AmazonDynamoDBException ex)
    {
        var refused = ex is TransactionCanceledException { CancellationReasons: { } reasons }
            ? reasons.Where(r => r.Code is not (null or "None")).Select(r => r.Message is null ? $"({r.Code})" : $"({r.Code}): {r.Message}").ToList()
            : [];
        return refused.Count > 0 ? string.Join("; ", refused) : $"({ex.ErrorCode ?? ex.GetType().Name}): {ex.Message}";
    }

    async Task<bool> RecordOnceAsync(EmailEventReceived message, int slot, CancellationToken cancellationToken)
    {
        var latest = message.EventType == EmailEventTypes.Opened;
        for (var attempt = 1; ; attempt++)
        {
            var emailUpdate = latest ? LatestOpenUpdate(message) : await BuildEmailUpdateAsync(message, cancellationToken);
            var request = new TransactWriteItemsRequest
            {
                TransactItems =
                [
                    new TransactWriteItem { Put = EventItem(message) },
                    new TransactWriteItem { Update = emailUpdate },
                    new TransactWriteItem { Update = DayUpdate(message, slot) },
                    new TransactWriteItem { Update = EmailDayUpdate(message) },
                ],
            };

            try
            {
                await dynamo.TransactWriteItemsAsync(request, cancellationToken);
                return true;
            }
            catch (TransactionCanceledException ex) when (ex.CancellationReasons is { Count: > 0 } reasons)
            {
                if (reasons[0].Code == ConditionalCheckFailed)
                    return false;
                if (latest && reasons[1].Code == ConditionalCheckFailed)
                {
                    // A later open is recorded already: this one may still be the first. Read, then write both.
                    latest = false;
                    continue;
                }
                var raced = reasons[1].Code == ConditionalCheckFailed || reasons.Any(r => r.Code == "TransactionConflict");
                if (!raced || attempt == MaxAttempts)
                    throw;
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 * attempt)), cancellationToken);
            }
        }
    }

    Put EventItem(EmailEventReceived message) => new()
    {
        TableName = tables.Events,
        Item = StatsTables.EventItem(message.EventId, message.EmailId, message.EventType, message.OccurredAt, message.ReceivedAt, message.Provider),
        ConditionExpression = "attribute_not_exists(EventId)",
    };

    Update DayUpdate(EmailEventReceived message, int slot) => new()
    {
        TableName = tables.Counters,
        Key = StatsTables.Key(StatsTables.DayKey(message.OccurredAt), StatsTables.DayTypeKey(message.OccurredAt, message.EventType, slot)),
        UpdateExpression = "ADD #count :one",
        ExpressionAttributeNames = new Dictionary<string, string> { ["#count"] = StatsTables.CounterAttributes.Count },
        ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":one"] = new() { N = "1" } },
    };

    /// <summary>The email's count of this type on this day: what a top list over a range of days counts an email by.</summary>
    Update EmailDayUpdate(EmailEventReceived message) => new()
    {
        TableName = tables.Counters,
        Key = StatsTables.Key(StatsTables.EmailKey(message.EmailId), StatsTables.EmailDayKey(message.EventType, message.OccurredAt)),
        UpdateExpression = "ADD #count :one",
        ExpressionAttributeNames = new Dictionary<string, string> { ["#count"] = StatsTables.CounterAttributes.Count },
        ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":one"] = new() { N = "1" } },
    };

    /// <summary>
    /// The totals' update for an open taken to be the email's latest: it becomes the last open unless a later one is
    /// recorded (which cancels the transaction), and the first when none is recorded.
    /// </summary>
    Update LatestOpenUpdate(EmailEventReceived message)
    {
        var update = EmailUpdate(message);
        update.ExpressionAttributeNames["#first"] = StatsTables.CounterAttributes.FirstOpenedAt;
        update.ExpressionAttributeNames["#last"] = StatsTables.CounterAttributes.LastOpenedAt;
        update.ExpressionAttributeValues[":at"] = new() { S = StatsTables.FormatTime(message.OccurredAt) };
        update.UpdateExpression = $"{SetShard}, #last = :at, #first = if_not_exists(#first, :at) {AddCounters(message)}";
        update.ConditionExpression = "attribute_not_exists(#last) OR #last <= :at";
        return update;
    }

    const string SetShard = "SET #shard = :shard";

    static string AddCounters(EmailEventReceived message) =>
        StatsTables.CounterOf(message.EventType) is null ? "ADD #events :one" : "ADD #events :one, #counter :one";

    /// <summary>The totals' update without first and last open: the counters and the top lists' shard.</summary>
    Update EmailUpdate(EmailEventReceived message)
    {
        // TopShard places the email in the indexes that rank the emails by each counter (the top lists).
        var names = new Dictionary<string, string> { ["#events"] = "Events", ["#shard"] = StatsTables.CounterAttributes.TopShard };
        var values = new Dictionary<string, AttributeValue>
        {
            [":one"] = new() { N = "1" },
            [":shard"] = new() { S = StatsTables.TopShardOf(message.EmailId) },
        };
        if (StatsTables.CounterOf(message.EventType) is { } counter)
            names["#counter"] = counter;
        return new Update
        {
            TableName = tables.Counters,
            Key = StatsTables.Key(StatsTables.EmailKey(message.EmailId), StatsTables.TotalsSortKey),
            UpdateExpression = $"{SetShard} {AddCounters(message)}",
            ExpressionAttributeNames = names,
            ExpressionAttributeValues = values,
        };
    }

    async Task<Update> BuildEmailUpdateAsync(EmailEventReceived message, CancellationToken ct)
    {
        var update = EmailUpdate(message);
        if (message.EventType != EmailEventTypes.Opened)
            return update;

        var current = await dynamo.GetItemAsync(new GetItemRequest
        {
            TableName = tables.Counters,
            Key = update.Key,
            ConsistentRead = true,
            ProjectionExpression = "FirstOpenedAt, LastOpenedAt",
        }, ct);
        var first = current.Item?.GetValueOrDefault("FirstOpenedAt")?.S;
        var last = current.Item?.GetValueOrDefault("LastOpenedAt")?.S;
        var at = StatsTables.FormatTime(message.OccurredAt);
        var newFirst = first is null || string.CompareOrdinal(at, first) < 0 ? at : first;
        var newLast = last is null || string.CompareOrdinal(at, last) > 0 ? at : last;
        if (newFirst == first && newLast == last)
            return update;

        var names = update.ExpressionAttributeNames;
        var values = update.ExpressionAttributeValues;
        names["#first"] = StatsTables.CounterAttributes.FirstOpenedAt;
        names["#last"] = StatsTables.CounterAttributes.LastOpenedAt;
        values[":first"] = new() { S = newFirst };
        values[":last"] = new() { S = newLast };
        update.UpdateExpression = $"{SetShard}, #first = :first, #last = :last {AddCounters(message)}";
        if (first is null)
        {
            update.ConditionExpression = "attribute_not_exists(#first)";
        }
        else
        {
            values[":oldFirst"] = new() { S = first };
            values[":oldLast"] = new() { S = last };
            update.ConditionExpression = "#first = :oldFirst AND #last = :oldLast";
        }
        return update;
    }
}

/// <summary>DynamoDB refused this event's data for good (a key too long, an item too large): retrying cannot help.</summary>
public sealed class StatisticsRejectedException(string message) : Exception(message);
