using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Webhook.Storage;

/// <summary>
/// The statistics tables, defined in this one place.
/// <list type="bullet">
/// <item><c>{prefix}email-events</c>: every event once, key <c>EventId</c>; index <c>ByEmail</c> (EmailId, OccurredAt).</item>
/// <item><c>{prefix}email-stats</c>: counters, key (<c>Pk</c>, <c>Sk</c>): per email <c>EMAIL#{emailId}</c> / <c>TOTALS</c>
/// with Events, Opens, Clicks, SpamReports, FirstOpenedAt, LastOpenedAt; per day and type
/// <c>DAY#{yyyy-MM-dd}</c> / <c>TYPE#{eventType}</c> with Count.</item>
/// </list>
/// Times are UTC strings of fixed width (<see cref="FormatTime"/>), so they sort and compare as text.
/// </summary>
public sealed class StatsTables(StatsOptions options)
{
    public const string EventsByEmailIndex = "ByEmail";
    public const string TotalsSortKey = "TOTALS";

    public string Events { get; } = options.TablePrefix + "email-events";
    public string Counters { get; } = options.TablePrefix + "email-stats";

    public static string EmailKey(string emailId) => $"EMAIL#{emailId}";

    public static string DayKey(DateTimeOffset at) => $"DAY#{at.UtcDateTime:yyyy-MM-dd}";

    public static string TypeKey(string eventType) => $"TYPE#{eventType}";

    public static string FormatTime(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Both tables, as DynamoDB creates them (and as the infrastructure code defines them).</summary>
    public IEnumerable<DynamoTable> Definitions()
    {
        yield return new DynamoTable(new CreateTableRequest
        {
            TableName = Events,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions =
            [
                new AttributeDefinition("EventId", ScalarAttributeType.S),
                new AttributeDefinition("EmailId", ScalarAttributeType.S),
                new AttributeDefinition("OccurredAt", ScalarAttributeType.S),
            ],
            KeySchema = [new KeySchemaElement("EventId", KeyType.HASH)],
            GlobalSecondaryIndexes =
            [
                new GlobalSecondaryIndex
                {
                    IndexName = EventsByEmailIndex,
                    KeySchema = [new KeySchemaElement("EmailId", KeyType.HASH), new KeySchemaElement("OccurredAt", KeyType.RANGE)],
                    Projection = new Projection { ProjectionType = ProjectionType.ALL },
                },
            ],
        });
        yield return new DynamoTable(new CreateTableRequest
        {
            TableName = Counters,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new AttributeDefinition("Pk", ScalarAttributeType.S), new AttributeDefinition("Sk", ScalarAttributeType.S)],
            KeySchema = [new KeySchemaElement("Pk", KeyType.HASH), new KeySchemaElement("Sk", KeyType.RANGE)],
        });
    }

    /// <summary>Creates the tables that do not exist and waits until they are active.</summary>
    public Task EnsureCreatedAsync(IAmazonDynamoDB dynamo, CancellationToken ct) => DynamoTable.EnsureCreatedAsync(dynamo, Definitions(), ct);
}
