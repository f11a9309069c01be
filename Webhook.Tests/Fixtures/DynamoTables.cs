using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Webhook.Processor.Stats;

namespace Webhook.Tests.Fixtures;

/// <summary>Statistics tables of their own (a unique prefix) on the test DynamoDB Local, deleted at the end.</summary>
public sealed class DynamoTables : IAsyncLifetime
{
    public string Prefix { get; } = "t" + Guid.NewGuid().ToString("N")[..10] + "-";

    public StatsTables Tables { get; }

    public IAmazonDynamoDB Client { get; private set; } = null!;

    public DynamoTables() => Tables = new StatsTables(new StatsOptions { TablePrefix = Prefix });

    public async Task InitializeAsync()
    {
        var servers = await RealServers.EnsureStartedAsync();
        Client = new AmazonDynamoDBClient(new BasicAWSCredentials("local", "local"),
            new AmazonDynamoDBConfig { ServiceURL = servers.DynamoServiceUrl, AuthenticationRegion = "us-east-1" });
        await Tables.EnsureCreatedAsync(Client, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        foreach (var table in new[] { Tables.Events, Tables.Counters })
            await Client.DeleteTableAsync(table);
        Client.Dispose();
    }

    /// <summary>The per-email counters, as an analyst would read them; null when the email has none.</summary>
    public async Task<Dictionary<string, AttributeValue>?> EmailTotalsAsync(string emailId)
    {
        var response = await Client.GetItemAsync(new GetItemRequest
        {
            TableName = Tables.Counters,
            ConsistentRead = true,
            Key = new() { ["Pk"] = new() { S = StatsTables.EmailKey(emailId) }, ["Sk"] = new() { S = StatsTables.TotalsSortKey } },
        });
        return response.Item is { Count: > 0 } item ? item : null;
    }

    public async Task<int> EmailCounterAsync(string emailId, string counter) =>
        (await EmailTotalsAsync(emailId))?.GetValueOrDefault(counter)?.N is { } n ? int.Parse(n, System.Globalization.CultureInfo.InvariantCulture) : 0;

    /// <summary>How many event items the events table holds for the email (through the ByEmail index).</summary>
    public async Task<int> EventCountAsync(string emailId)
    {
        var response = await Client.QueryAsync(new QueryRequest
        {
            TableName = Tables.Events,
            IndexName = StatsTables.EventsByEmailIndex,
            KeyConditionExpression = "EmailId = :e",
            ExpressionAttributeValues = new() { [":e"] = new() { S = emailId } },
            Select = Select.COUNT,
        });
        return response.Count ?? 0;
    }

    public async Task<int> DayCountAsync(DateTimeOffset day, string eventType)
    {
        var response = await Client.GetItemAsync(new GetItemRequest
        {
            TableName = Tables.Counters,
            ConsistentRead = true,
            Key = new() { ["Pk"] = new() { S = StatsTables.DayKey(day) }, ["Sk"] = new() { S = StatsTables.TypeKey(eventType) } },
        });
        return response.Item?.GetValueOrDefault("Count")?.N is { } n ? int.Parse(n, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }
}
