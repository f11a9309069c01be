using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Webhook.Storage;

namespace Webhook.Testing;

/// <summary>
/// Statistics tables of their own (a unique prefix) on the run's DynamoDB Local, defined by the product's own
/// <see cref="StatsTables"/>, deleted at the end; and the reads an analyst would make of them.
/// </summary>
public sealed class IsolatedTables : IAsyncDisposable
{
    readonly LocalServers _servers;

    public IsolatedTables(LocalServers servers, string? prefix = null)
    {
        _servers = servers;
        Prefix = prefix ?? "t" + Guid.NewGuid().ToString("N")[..10] + "-";
        Tables = new StatsTables(new StatsOptions { TablePrefix = Prefix });
        Client = new AmazonDynamoDBClient(new BasicAWSCredentials("local", "local"),
            new AmazonDynamoDBConfig { ServiceURL = servers.DynamoServiceUrl, AuthenticationRegion = "us-east-1" });
    }

    public string Prefix { get; }

    public StatsTables Tables { get; }

    public IAmazonDynamoDB Client { get; }

    public Task CreateAsync(CancellationToken cancellationToken = default) => Tables.EnsureCreatedAsync(Client, cancellationToken);

    /// <summary>Deletes every table of the prefix (the product's and any a test made).</summary>
    public async Task DeleteAsync(CancellationToken cancellationToken = default)
    {
        var names = await Client.ListTablesAsync(cancellationToken);
        foreach (var table in names.TableNames.Where(t => t.StartsWith(Prefix, StringComparison.Ordinal)))
            await Client.DeleteTableAsync(table, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await DeleteAsync();
        }
        catch (AmazonServiceException)
        {
            // Already gone, or DynamoDB Local stopped by the test: nothing left to clean.
        }
        catch (HttpRequestException)
        {
        }
        Client.Dispose();
    }

    /// <summary>The per-email counters, as an analyst would read them; null when the email has none.</summary>
    public async Task<Dictionary<string, AttributeValue>?> EmailTotalsAsync(string emailId)
    {
        var response = await Client.GetItemAsync(new GetItemRequest
        {
            TableName = Tables.Counters,
            ConsistentRead = true,
            Key = StatsTables.Key(StatsTables.EmailKey(emailId), StatsTables.TotalsSortKey),
        });
        return response.Item is { Count: > 0 } item ? item : null;
    }

    /// <summary>One counter of an email's totals (Events, Opens, Clicks, SpamReports); 0 when absent.</summary>
    public async Task<int> EmailCounterAsync(string emailId, string counter) =>
        (await EmailTotalsAsync(emailId))?.GetValueOrDefault(counter)?.N is { } n ? int.Parse(n, CultureInfo.InvariantCulture) : 0;

    /// <summary>Events of an email in the events table (each event once), through its ByEmail index.</summary>
    public async Task<int> EventCountAsync(string emailId)
    {
        var count = 0;
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var response = await Client.QueryAsync(new QueryRequest
            {
                TableName = Tables.Events,
                IndexName = StatsTables.EventsByEmailIndex,
                KeyConditionExpression = "EmailId = :e",
                ExpressionAttributeValues = new() { [":e"] = new() { S = emailId } },
                Select = Select.COUNT,
                ExclusiveStartKey = start,
            });
            count += response.Count ?? 0;
            start = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);
        return count;
    }

    /// <summary>The count of one event type on one day (UTC), the sum of its shares; 0 when absent.</summary>
    public async Task<int> DayCountAsync(DateTimeOffset day, string eventType)
    {
        var shares = await DayCountSharesAsync(day, eventType);
        return shares.Values.Sum();
    }

    /// <summary>The shares of one event type's count on one day (UTC), by their sort keys.</summary>
    public async Task<IReadOnlyDictionary<string, int>> DayCountSharesAsync(DateTimeOffset day, string eventType)
    {
        var shares = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var date = DateOnly.FromDateTime(day.UtcDateTime);
        var (from, to) = StatsTables.DaysBetween(date, date);
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var response = await Client.QueryAsync(new QueryRequest
            {
                TableName = Tables.Counters,
                ConsistentRead = true,
                KeyConditionExpression = "Pk = :pk AND Sk BETWEEN :from AND :to",
                ExpressionAttributeValues = new()
                {
                    [":pk"] = new() { S = StatsTables.DayKey(day) },
                    [":from"] = new() { S = from },
                    [":to"] = new() { S = to },
                },
                ExclusiveStartKey = start,
            });
            foreach (var item in response.Items)
            {
                var sortKey = item[StatsTables.CounterAttributes.Sk].S;
                if (StatsTables.ParseDayTypeKey(sortKey) == (date, eventType))
                    shares[sortKey] = int.Parse(item[StatsTables.CounterAttributes.Count].N, CultureInfo.InvariantCulture);
            }
            start = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);
        return shares;
    }
}
