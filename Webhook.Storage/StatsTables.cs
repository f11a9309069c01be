using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Webhook.Contracts;

namespace Webhook.Storage;

/// <summary>
/// The statistics tables, defined in this one place, with the keys and indexes every query of them needs (so that
/// none scans a table).
/// <list type="bullet">
/// <item><c>{prefix}email-events</c>: every event once, key <c>EventId</c>; index <c>ByEmail</c> (EmailId, OccurredAt):
/// an email's events in time order; index <c>ByDay</c> (Day, OccurredAt): the events of a day in time order (export).</item>
/// <item><c>{prefix}email-stats</c>: counters, key (<c>Pk</c>, <c>Sk</c>): per email <c>EMAIL#{emailId}</c> / <c>TOTALS</c>
/// with Events, Opens, Clicks, SpamReports, FirstOpenedAt, LastOpenedAt and TopShard, and beside them the email's
/// events per type and day, <c>EMAIL#{emailId}</c> / <c>BYDAY#{eventType}#{yyyy-MM-dd}</c> with Count (an email's count
/// in a range of days is one query of at most that many items); per day and type
/// <c>DAYS#{yyyy}</c> / <c>{yyyy-MM-dd}#{eventType}#{share}</c> with Count, one partition per year so that a range of
/// days is one query per year it touches, the day's count the sum of its shares (<see cref="DayTypeKey"/>); indexes
/// <c>ByOpens</c>, <c>ByClicks</c>, <c>BySpam</c> (TopShard, the counter): the emails in descending order of a counter,
/// spread over <see cref="TopShards"/> partitions so that no one partition takes every email's writes.</item>
/// </list>
/// Times are UTC strings of fixed width (<see cref="FormatTime"/>), so they sort and compare as text.
/// </summary>
public sealed class StatsTables(StatsOptions options)
{
    public const string EventsByEmailIndex = "ByEmail";
    public const string EventsByDayIndex = "ByDay";
    public const string TotalsSortKey = "TOTALS";

    /// <summary>Partitions the emails are spread over in the indexes by counter.</summary>
    public const int TopShards = 10;

    /// <summary>Attributes of an event's item.</summary>
    public static class EventAttributes
    {
        public const string EventId = "EventId";
        public const string EmailId = "EmailId";
        public const string EventType = "EventType";
        public const string OccurredAt = "OccurredAt";
        public const string ReceivedAt = "ReceivedAt";
        public const string Provider = "Provider";
        public const string Day = "Day";
    }

    /// <summary>Attributes of the counters' items.</summary>
    public static class CounterAttributes
    {
        public const string Pk = "Pk";
        public const string Sk = "Sk";
        public const string Events = "Events";
        public const string Opens = "Opens";
        public const string Clicks = "Clicks";
        public const string SpamReports = "SpamReports";
        public const string FirstOpenedAt = "FirstOpenedAt";
        public const string LastOpenedAt = "LastOpenedAt";
        public const string TopShard = "TopShard";
        public const string Count = "Count";
    }

    /// <summary>The counters an email's totals keep, and the index that orders the emails by each.</summary>
    public static readonly IReadOnlyList<(string Counter, string Index)> RankedCounters =
    [
        (CounterAttributes.Opens, "ByOpens"),
        (CounterAttributes.Clicks, "ByClicks"),
        (CounterAttributes.SpamReports, "BySpam"),
    ];

    public string Events { get; } = options.TablePrefix + "email-events";
    public string Counters { get; } = options.TablePrefix + "email-stats";

    public static string EmailKey(string emailId) => $"EMAIL#{emailId}";

    /// <summary>The sort key of an email's count of one event type on one day, under <see cref="EmailKey"/>.</summary>
    public static string EmailDayKey(string eventType, DateTimeOffset at) => EmailDayKey(eventType, FormatDay(at));

    public static string EmailDayKey(string eventType, string day) => $"BYDAY#{eventType}#{day}";

    /// <summary>The partition of a day's counters: its year.</summary>
    public static string DayKey(DateTimeOffset at) => YearKey(at.UtcDateTime.Year);

    public static string YearKey(int year) => string.Create(CultureInfo.InvariantCulture, $"DAYS#{year:D4}");

    /// <summary>
    /// The sort key of one share of an event type's count on one day. Every event's transaction moves its day's count,
    /// and DynamoDB cancels a transaction that writes an item another transaction is writing at the same moment
    /// (TransactionConflict), so one item per day and type would make the events counted at once cancel each other.
    /// The Processor keeps one share per statistics slot instead, the slot's number being the share's: the events
    /// counted at once hold different slots and never write the same share. The day's count is the sum of its shares
    /// (<see cref="ParseDayTypeKey"/>).
    /// </summary>
    public static string DayTypeKey(DateTimeOffset at, string eventType, int share) =>
        string.Create(CultureInfo.InvariantCulture, $"{FormatDay(at)}#{eventType}#{share}");

    /// <summary>
    /// The bounds of the sort keys, under <see cref="YearKey"/>, of every type's and share's count on the days from
    /// <paramref name="from"/> to <paramref name="to"/> ('$' follows '#').
    /// </summary>
    public static (string From, string To) DaysBetween(DateOnly from, DateOnly to) => (FormatDay(from) + "#", FormatDay(to) + "$");

    /// <summary>
    /// The day and the event type of a day's counter, from its sort key: <c>{yyyy-MM-dd}#{eventType}#{share}</c>, or
    /// <c>{yyyy-MM-dd}#{eventType}</c> as counters were kept before they had shares.
    /// </summary>
    public static (DateOnly Day, string EventType) ParseDayTypeKey(string sortKey)
    {
        var day = DateOnly.ParseExact(sortKey.AsSpan(0, 10), "yyyy-MM-dd", CultureInfo.InvariantCulture);
        var rest = sortKey.AsSpan(11);
        var end = rest.IndexOf('#');
        return (day, (end < 0 ? rest : rest[..end]).ToString());
    }

    public static string FormatDay(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string FormatDay(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string FormatTime(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The counter of an email's totals that an event type moves, if any.</summary>
    public static string? CounterOf(string eventType) => eventType switch
    {
        EmailEventTypes.Opened => CounterAttributes.Opens,
        EmailEventTypes.Clicked => CounterAttributes.Clicks,
        EmailEventTypes.Spam => CounterAttributes.SpamReports,
        _ => null,
    };

    /// <summary>The partition of the indexes by counter an email is in: stable, from a hash of its id.</summary>
    public static string TopShardOf(string emailId)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(emailId), hash);
        return TopShardKey(hash[0] % TopShards);
    }

    public static string TopShardKey(int shard) => string.Create(CultureInfo.InvariantCulture, $"S{shard}");

    /// <summary>An event's own item, as the Processor writes it (and as the benchmark seeds it).</summary>
    public static Dictionary<string, AttributeValue> EventItem(Guid eventId, string emailId, string eventType,
        DateTimeOffset occurredAt, DateTimeOffset receivedAt, string provider) => new()
    {
        [EventAttributes.EventId] = new() { S = eventId.ToString() },
        [EventAttributes.EmailId] = new() { S = emailId },
        [EventAttributes.EventType] = new() { S = eventType },
        [EventAttributes.OccurredAt] = new() { S = FormatTime(occurredAt) },
        [EventAttributes.ReceivedAt] = new() { S = FormatTime(receivedAt) },
        [EventAttributes.Provider] = new() { S = provider },
        [EventAttributes.Day] = new() { S = FormatDay(occurredAt) },
    };

    public static Dictionary<string, AttributeValue> Key(string pk, string sk) => new()
    {
        [CounterAttributes.Pk] = new() { S = pk },
        [CounterAttributes.Sk] = new() { S = sk },
    };

    /// <summary>Both tables, as DynamoDB creates them (and as the infrastructure code defines them).</summary>
    public IEnumerable<DynamoTable> Definitions()
    {
        yield return new DynamoTable(new CreateTableRequest
        {
            TableName = Events,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions =
            [
                new AttributeDefinition(EventAttributes.EventId, ScalarAttributeType.S),
                new AttributeDefinition(EventAttributes.EmailId, ScalarAttributeType.S),
                new AttributeDefinition(EventAttributes.OccurredAt, ScalarAttributeType.S),
                new AttributeDefinition(EventAttributes.Day, ScalarAttributeType.S),
            ],
            KeySchema = [new KeySchemaElement(EventAttributes.EventId, KeyType.HASH)],
            GlobalSecondaryIndexes =
            [
                Index(EventsByEmailIndex, EventAttributes.EmailId, EventAttributes.OccurredAt),
                Index(EventsByDayIndex, EventAttributes.Day, EventAttributes.OccurredAt),
            ],
        });
        yield return new DynamoTable(new CreateTableRequest
        {
            TableName = Counters,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions =
            [
                new AttributeDefinition(CounterAttributes.Pk, ScalarAttributeType.S),
                new AttributeDefinition(CounterAttributes.Sk, ScalarAttributeType.S),
                new AttributeDefinition(CounterAttributes.TopShard, ScalarAttributeType.S),
                .. RankedCounters.Select(r => new AttributeDefinition(r.Counter, ScalarAttributeType.N)),
            ],
            KeySchema = [new KeySchemaElement(CounterAttributes.Pk, KeyType.HASH), new KeySchemaElement(CounterAttributes.Sk, KeyType.RANGE)],
            // Only the email id (in Pk) and the counter are needed from them: keys only, so that the other counters
            // changing never writes to an index.
            GlobalSecondaryIndexes = [.. RankedCounters.Select(r => Index(r.Index, CounterAttributes.TopShard, r.Counter, ProjectionType.KEYS_ONLY))],
        });
    }

    static GlobalSecondaryIndex Index(string name, string hash, string range, ProjectionType? projection = null) => new()
    {
        IndexName = name,
        KeySchema = [new KeySchemaElement(hash, KeyType.HASH), new KeySchemaElement(range, KeyType.RANGE)],
        Projection = new Projection { ProjectionType = projection ?? ProjectionType.ALL },
    };

    /// <summary>Creates the tables that do not exist and waits until they are active.</summary>
    public Task EnsureCreatedAsync(IAmazonDynamoDB dynamo, CancellationToken ct) => DynamoTable.EnsureCreatedAsync(dynamo, Definitions(), ct);
}
