using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Webhook.Storage;
using C = Webhook.Storage.StatsTables.CounterAttributes;
using E = Webhook.Storage.StatsTables.EventAttributes;

namespace Webhook.Console.Stats;

/// <summary>
/// The analysts' questions, each answered with queries on the keys and indexes of <see cref="StatsTables"/> (never a
/// scan), read eventually consistent (half the cost of a strong read; what the Processor has just written shows within
/// a second). What each costs is in the README.
/// </summary>
public sealed class StatisticsReader(IAmazonDynamoDB dynamo, StatsTables tables, int countedTopLimit = StatisticsReader.CountedTopLimit)
{
    /// <summary>Events in a range up to which the top list counts them one by one rather than walking the ranked emails.</summary>
    public const int CountedTopLimit = 5_000;

    /// <summary>Emails the walk of the ranked emails looks at before it counts the range's events one by one instead.</summary>
    public const int WalkLimit = 400;

    const int ExactCountsAtOnce = 16;
    const int DaysAtOnce = 8;

    /// <summary>
    /// Days whose first page the export asks for ahead of the one it writes. Each page in flight (1,000 events, a couple
    /// of MiB once the SDK has read it) outlives the garbage collector's youngest generation and is promoted, so the
    /// pages in flight set how far the console's memory rises during an export: with 8 days ahead its resident set
    /// peaked 42-46 MiB above its start, with 3 days 14-19 MiB, at the same rate (docs/profiles.md, section 17).
    /// </summary>
    const int ExportDaysAhead = 3;
    const int ExportPageSize = 1000;

    /// <summary>Per day and type, the events that occurred (UTC): one query per calendar year the range touches.</summary>
    public async Task<DailyCounts> DailyAsync(DateOnly from, DateOnly to, CancellationToken ct)
    {
        var counts = new SortedDictionary<DateOnly, Dictionary<string, long>>();
        for (var day = from; day <= to; day = day.AddDays(1))
            counts[day] = new Dictionary<string, long>(StringComparer.Ordinal);
        var years = Enumerable.Range(from.Year, to.Year - from.Year + 1);
        var parts = await Task.WhenAll(years.Select(year => YearAsync(year, Max(from, new DateOnly(year, 1, 1)), Min(to, new DateOnly(year, 12, 31)), ct)));
        // A day's count of a type is kept in shares (StatsTables.DayTypeKey): their sum.
        foreach (var (day, type, count) in parts.SelectMany(p => p))
            counts[day][type] = counts[day].GetValueOrDefault(type) + count;
        var types = counts.Values.SelectMany(c => c.Keys).Distinct().OrderBy(t => EventTypeOrder(t)).ThenBy(t => t, StringComparer.Ordinal).ToArray();
        var totals = types.ToDictionary(t => t, t => counts.Values.Sum(c => c.GetValueOrDefault(t)), StringComparer.Ordinal);
        return new DailyCounts(from, to, types, counts.Select(c => new DayCounts(c.Key, c.Value)).ToArray(), totals);
    }

    async Task<List<(DateOnly Day, string Type, long Count)>> YearAsync(int year, DateOnly from, DateOnly to, CancellationToken ct)
    {
        var found = new List<(DateOnly, string, long)>();
        var (first, last) = StatsTables.DaysBetween(from, to);
        var request = new QueryRequest
        {
            TableName = tables.Counters,
            KeyConditionExpression = "Pk = :pk AND Sk BETWEEN :from AND :to",
            ExpressionAttributeValues = new()
            {
                [":pk"] = new() { S = StatsTables.YearKey(year) },
                [":from"] = new() { S = first },
                [":to"] = new() { S = last },
            },
        };
        await foreach (var item in QueryAsync(request, ct))
        {
            var (day, type) = StatsTables.ParseDayTypeKey(item[C.Sk].S);
            found.Add((day, type, Number(item, C.Count)));
        }
        return found;
    }

    /// <summary>One email's totals and a page of its events in time order; null when no event of it was ever counted.</summary>
    public async Task<EmailStatistics?> EmailAsync(string emailId, int limit, EventPage? page, CancellationToken ct)
    {
        var totalsTask = dynamo.GetItemAsync(new GetItemRequest { TableName = tables.Counters, Key = StatsTables.Key(StatsTables.EmailKey(emailId), StatsTables.TotalsSortKey) }, ct);
        var eventsTask = dynamo.QueryAsync(new QueryRequest
        {
            TableName = tables.Events,
            IndexName = StatsTables.EventsByEmailIndex,
            KeyConditionExpression = "EmailId = :e",
            ExpressionAttributeValues = new() { [":e"] = new() { S = emailId } },
            Limit = limit,
            ExclusiveStartKey = page?.StartKey(emailId),
        }, ct);
        var totals = (await totalsTask).Item;
        var events = await eventsTask;
        if (totals is not { Count: > 0 })
            return null;
        return new EmailStatistics(
            emailId,
            Number(totals, C.Events), Number(totals, C.Opens), Number(totals, C.Clicks), Number(totals, C.SpamReports),
            Time(totals, C.FirstOpenedAt), Time(totals, C.LastOpenedAt),
            events.Items.Select(StoredEvent.Of).ToArray(),
            events.LastEvaluatedKey is { Count: > 0 } last ? EventPage.After(last) : null);
    }

    /// <summary>
    /// The emails with the most events of <paramref name="eventType"/> that occurred in the range, most first (ties in
    /// the order of their all-time counts). Exact, whichever way it is found:
    /// <list type="number">
    /// <item>A range with few events (<see cref="CountedTopLimit"/>, known from the daily counters) has them counted one by one
    /// from the events' ByDay index.</item>
    /// <item>Otherwise the emails are walked in descending order of their all-time count of that type (the By… index, its
    /// shards merged), each one's count in the range taken from its counts per day; the walk stops when no email
    /// not yet seen can have more than the last of the list: neither its all-time count nor the range's events not yet
    /// accounted for allow it. A walk that meets <see cref="WalkLimit"/> emails without stopping (a range long past,
    /// whose emails have since had more) counts the range one by one instead.</item>
    /// </list>
    /// </summary>
    public async Task<TopEmails> TopAsync(DateOnly from, DateOnly to, string eventType, string counter, int limit, CancellationToken ct)
    {
        // The ranked emails' first pages are asked for while the daily counts say which way the list is found: one
        // round trip less for a range with many events, ten small reads lost for one with few.
        var index = StatsTables.RankedCounters.Single(r => r.Counter == counter).Index;
        var ranked = new RankedEmails(dynamo, tables.Counters, index, counter, Math.Max(limit + 1, ExactCountsAtOnce), ct);
        var firstPages = ranked.PeekCountAsync();
        var daily = await DailyAsync(from, to, ct);
        await firstPages;
        var inRange = daily.Totals.GetValueOrDefault(eventType);
        var allInRange = daily.Totals.Values.Sum();
        if (inRange == 0)
            return new TopEmails(from, to, eventType, inRange, "none", []);
        if (allInRange <= countedTopLimit)
            return new TopEmails(from, to, eventType, inRange, "counted", await CountedTopAsync(from, to, eventType, limit, ct));
        var walked = await WalkedTopAsync(ranked, from, to, eventType, limit, inRange, ct);
        return walked is not null
            ? new TopEmails(from, to, eventType, inRange, "ranked", walked)
            : new TopEmails(from, to, eventType, inRange, "counted", await CountedTopAsync(from, to, eventType, limit, ct));
    }

    async Task<EmailCount[]> CountedTopAsync(DateOnly from, DateOnly to, string eventType, int limit, CancellationToken ct)
    {
        var days = Enumerable.Range(0, to.DayNumber - from.DayNumber + 1).Select(from.AddDays).ToArray();
        var perDay = new Dictionary<string, long>[days.Length];
        await Parallel.ForEachAsync(Enumerable.Range(0, days.Length), new ParallelOptions { MaxDegreeOfParallelism = DaysAtOnce, CancellationToken = ct }, async (d, token) =>
        {
            var counts = new Dictionary<string, long>(StringComparer.Ordinal);
            var request = new QueryRequest
            {
                TableName = tables.Events,
                IndexName = StatsTables.EventsByDayIndex,
                KeyConditionExpression = "#day = :d",
                FilterExpression = "EventType = :t",
                ProjectionExpression = "EmailId",
                ExpressionAttributeNames = new() { ["#day"] = E.Day },
                ExpressionAttributeValues = new() { [":d"] = new() { S = StatsTables.FormatDay(days[d]) }, [":t"] = new() { S = eventType } },
            };
            await foreach (var item in QueryAsync(request, token))
                counts[item[E.EmailId].S] = counts.GetValueOrDefault(item[E.EmailId].S) + 1;
            perDay[d] = counts;
        });
        var total = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (emailId, count) in perDay.SelectMany(c => c))
            total[emailId] = total.GetValueOrDefault(emailId) + count;
        return total.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Take(limit)
            .Select(c => new EmailCount(c.Key, c.Value)).ToArray();
    }

    async Task<EmailCount[]?> WalkedTopAsync(RankedEmails ranked, DateOnly from, DateOnly to, string eventType, int limit, long inRange, CancellationToken ct)
    {
        var best = new List<EmailCount>();
        long accounted = 0;
        var walked = 0;
        while (true)
        {
            // The first batch is the list's length: a range whose events are mostly recent needs no more, and each email
            // counted is a query. Later batches, for a walk that goes on, take more at once.
            var batch = new List<EmailCount>();
            while (batch.Count < (walked == 0 ? limit : ExactCountsAtOnce) && await ranked.NextAsync() is { } next)
                batch.Add(next);
            if (batch.Count == 0)
                break;
            walked += batch.Count;
            var exact = await Task.WhenAll(batch.Select(async e => new EmailCount(e.EmailId, await CountInRangeAsync(e.EmailId, from, to, eventType, ct))));
            foreach (var e in exact.Where(e => e.Count > 0))
            {
                accounted += e.Count;
                best.Add(e);
            }
            // Stable: emails of equal count stay in walk order (their all-time count, most first).
            best = best.OrderByDescending(e => e.Count).Take(limit).ToList();

            var unseenAtMost = Math.Min(await ranked.PeekCountAsync() ?? 0, inRange - accounted);
            if (unseenAtMost <= 0 || (best.Count == limit && best[^1].Count >= unseenAtMost))
                return [.. best];
            if (walked >= WalkLimit)
                return null;
        }
        return [.. best];
    }

    /// <summary>An email's events of one type that occurred in the range: its per-day counts, one query of at most a count a day.</summary>
    async Task<long> CountInRangeAsync(string emailId, DateOnly from, DateOnly to, string eventType, CancellationToken ct)
    {
        long count = 0;
        var request = new QueryRequest
        {
            TableName = tables.Counters,
            KeyConditionExpression = "Pk = :pk AND Sk BETWEEN :from AND :to",
            ProjectionExpression = "#count",
            ExpressionAttributeNames = new() { ["#count"] = C.Count },
            ExpressionAttributeValues = new()
            {
                [":pk"] = new() { S = StatsTables.EmailKey(emailId) },
                [":from"] = new() { S = StatsTables.EmailDayKey(eventType, StatsTables.FormatDay(from)) },
                [":to"] = new() { S = StatsTables.EmailDayKey(eventType, StatsTables.FormatDay(to)) },
            },
        };
        await foreach (var item in QueryAsync(request, ct))
            count += Number(item, C.Count);
        return count;
    }

    /// <summary>
    /// Every event that occurred in the range, day by day in time order. The first pages of the next
    /// <see cref="ExportDaysAhead"/> days, and the next page of the day being written, are asked for while a page is written:
    /// at most that many pages (of 1,000 events) are in memory at a time, whatever the range holds.
    /// </summary>
    public async IAsyncEnumerable<StoredEvent> ExportAsync(DateOnly from, DateOnly to, [EnumeratorCancellation] CancellationToken ct)
    {
        QueryRequest Request(DateOnly day) => new()
        {
            TableName = tables.Events,
            IndexName = StatsTables.EventsByDayIndex,
            KeyConditionExpression = "#day = :d",
            ExpressionAttributeNames = new() { ["#day"] = E.Day },
            ExpressionAttributeValues = new() { [":d"] = new() { S = StatsTables.FormatDay(day) } },
            Limit = ExportPageSize,
        };
        var ahead = new Queue<(QueryRequest Request, Task<QueryResponse> FirstPage)>();
        var next = from;
        void Fill()
        {
            while (ahead.Count < ExportDaysAhead && next <= to)
            {
                var request = Request(next);
                ahead.Enqueue((request, dynamo.QueryAsync(request, ct)));
                next = next.AddDays(1);
            }
        }
        Fill();
        while (ahead.TryDequeue(out var day))
        {
            Fill();
            Task<QueryResponse>? pending = day.FirstPage;
            while (pending is not null)
            {
                var page = await pending;
                pending = null;
                if (page.LastEvaluatedKey is { Count: > 0 } last)
                {
                    day.Request.ExclusiveStartKey = last;
                    pending = dynamo.QueryAsync(day.Request, ct);
                }
                foreach (var item in page.Items)
                    yield return StoredEvent.Of(item);
            }
        }
    }

    /// <summary>One event's item, or null.</summary>
    public async Task<StoredEvent?> EventAsync(Guid eventId, CancellationToken ct)
    {
        var response = await dynamo.GetItemAsync(new GetItemRequest
        {
            TableName = tables.Events,
            Key = new() { [E.EventId] = new() { S = eventId.ToString() } },
        }, ct);
        return response.Item is { Count: > 0 } item ? StoredEvent.Of(item) : null;
    }

    async IAsyncEnumerable<Dictionary<string, AttributeValue>> QueryAsync(QueryRequest request, [EnumeratorCancellation] CancellationToken ct)
    {
        do
        {
            var response = await dynamo.QueryAsync(request, ct);
            foreach (var item in response.Items)
                yield return item;
            request.ExclusiveStartKey = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (request.ExclusiveStartKey is not null);
    }

    /// <summary>Opened, Clicked, Spam first, in that order; any other type after them.</summary>
    public static int EventTypeOrder(string type) => type switch
    {
        Contracts.EmailEventTypes.Opened => 0,
        Contracts.EmailEventTypes.Clicked => 1,
        Contracts.EmailEventTypes.Spam => 2,
        _ => 3,
    };

    static long Number(Dictionary<string, AttributeValue> item, string name) =>
        item.GetValueOrDefault(name)?.N is { } n ? long.Parse(n, CultureInfo.InvariantCulture) : 0;

    static DateTimeOffset? Time(Dictionary<string, AttributeValue> item, string name) =>
        item.GetValueOrDefault(name)?.S is { } s ? DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal) : null;

    static DateOnly Max(DateOnly a, DateOnly b) => a > b ? a : b;

    static DateOnly Min(DateOnly a, DateOnly b) => a < b ? a : b;

    /// <summary>
    /// The emails in descending order of one counter of their totals: the index's shards read page by page and merged.
    /// </summary>
    sealed class RankedEmails(IAmazonDynamoDB dynamo, string table, string index, string counter, int pageSize, CancellationToken ct)
    {
        readonly Shard[] _shards = Enumerable.Range(0, StatsTables.TopShards).Select(s => new Shard(StatsTables.TopShardKey(s))).ToArray();

        public async Task<EmailCount?> NextAsync()
        {
            await FillAsync();
            var head = _shards.Where(s => s.Items.Count > 0).MaxBy(s => s.Items.Peek().Count);
            return head?.Items.Dequeue();
        }

        /// <summary>The count of the next email the walk would take; null when none is left.</summary>
        public async Task<long?> PeekCountAsync()
        {
            await FillAsync();
            return _shards.Where(s => s.Items.Count > 0).Select(s => (long?)s.Items.Peek().Count).Max();
        }

        Task FillAsync() => Task.WhenAll(_shards.Where(s => s.Items.Count == 0 && !s.Done).Select(ReadAsync));

        async Task ReadAsync(Shard shard)
        {
            var response = await dynamo.QueryAsync(new QueryRequest
            {
                TableName = table,
                IndexName = index,
                KeyConditionExpression = "TopShard = :s",
                ExpressionAttributeValues = new() { [":s"] = new() { S = shard.Key } },
                ScanIndexForward = false,
                Limit = pageSize,
                ExclusiveStartKey = shard.Next,
            }, ct);
            foreach (var item in response.Items)
                shard.Items.Enqueue(new EmailCount(item[C.Pk].S["EMAIL#".Length..], Number(item, counter)));
            shard.Next = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
            shard.Done = shard.Next is null;
        }

        sealed class Shard(string key)
        {
            public string Key => key;
            public Queue<EmailCount> Items { get; } = new();
            public Dictionary<string, AttributeValue>? Next { get; set; }
            public bool Done { get; set; }
        }
    }
}

/// <summary>The events of each type per day (UTC) over a range, and the range's totals.</summary>
public sealed record DailyCounts(DateOnly From, DateOnly To, string[] Types, DayCounts[] Days, Dictionary<string, long> Totals);

/// <summary>One day: the count of each event type that occurred on it.</summary>
public sealed record DayCounts(DateOnly Day, Dictionary<string, long> Counts)
{
    public long Total => Counts.Values.Sum();
}

/// <summary>An email's totals over its whole life, and a page of its events in time order.</summary>
/// <param name="Next">The page after this one, for <c>page=</c>; null on the last page.</param>
public sealed record EmailStatistics(
    string EmailId, long Events, long Opens, long Clicks, long SpamReports, DateTimeOffset? FirstOpenedAt, DateTimeOffset? LastOpenedAt,
    StoredEvent[] Items, EventPage? Next);

/// <summary>An event as the statistics hold it.</summary>
public sealed record StoredEvent(Guid EventId, string EmailId, string EventType, DateTimeOffset OccurredAt, DateTimeOffset? ReceivedAt, string? Provider)
{
    public static StoredEvent Of(Dictionary<string, AttributeValue> item) => new(
        Guid.Parse(item[E.EventId].S),
        item[E.EmailId].S,
        item[E.EventType].S,
        DateTimeOffset.Parse(item[E.OccurredAt].S, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
        item.GetValueOrDefault(E.ReceivedAt)?.S is { } received ? DateTimeOffset.Parse(received, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal) : null,
        item.GetValueOrDefault(E.Provider)?.S);
}

/// <summary>The emails with the most of one event type in a range.</summary>
/// <param name="InRange">Events of that type in the range, from the daily counters.</param>
/// <param name="Method">How the list was found: "ranked" (the walk of the ranked emails), "counted" (every event of the range), "none" (no event).</param>
public sealed record TopEmails(DateOnly From, DateOnly To, string EventType, long InRange, string Method, EmailCount[] Items);

public sealed record EmailCount(string EmailId, long Count);

/// <summary>
/// Where a page of an email's events starts: after the event given (its id and time), as an opaque token
/// (base64url of a small JSON object) that <see cref="TryParse"/> checks.
/// </summary>
public sealed record EventPage(Guid EventId, string OccurredAt)
{
    public static EventPage After(Dictionary<string, AttributeValue> lastKey) => new(Guid.Parse(lastKey[E.EventId].S), lastKey[E.OccurredAt].S);

    public Dictionary<string, AttributeValue> StartKey(string emailId) => new()
    {
        [E.EventId] = new() { S = EventId.ToString() },
        [E.EmailId] = new() { S = emailId },
        [E.OccurredAt] = new() { S = OccurredAt },
    };

    public string Token => Base64Url(JsonSerializer.SerializeToUtf8Bytes(new[] { EventId.ToString(), OccurredAt }));

    public static bool TryParse(string? token, out EventPage? page)
    {
        page = null;
        if (string.IsNullOrEmpty(token))
            return true;
        try
        {
            var padded = token.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            var parts = JsonSerializer.Deserialize<string[]>(Convert.FromBase64String(padded));
            if (parts is [var id, var at] && Guid.TryParse(id, out var eventId)
                && DateTimeOffset.TryParseExact(at, "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
            {
                page = new EventPage(eventId, at);
                return true;
            }
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
        }
        return false;
    }

    static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
