using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Webhook.Storage;

namespace Webhook.Tests.Servers.Fixtures;

/// <summary>
/// A client of DynamoDB Local that cancels a transaction as DynamoDB does and DynamoDB Local does not: DynamoDB Local
/// runs one request at a time, so transactions never meet in it, while DynamoDB cancels a transaction that writes an
/// item another transaction in flight is writing (reason <c>TransactionConflict</c>). Each transaction's items are
/// held from the moment it is sent until its answer; <see cref="Holding"/> can keep the next one sent in flight.
/// </summary>
public sealed class ConflictingTransactionsClient(IClientConfig local)
    : AmazonDynamoDBClient(new BasicAWSCredentials("local", "local"),
        new AmazonDynamoDBConfig { ServiceURL = local.ServiceURL, AuthenticationRegion = "us-east-1" })
{
    readonly HashSet<string> _inFlight = new(StringComparer.Ordinal);
    int _conflicts;
    int _transactions;
    Task? _hold;

    /// <summary>Transactions cancelled for an item another transaction in flight was writing.</summary>
    public int Conflicts => Volatile.Read(ref _conflicts);

    /// <summary>Transactions sent on to DynamoDB Local and not yet answered.</summary>
    public int InFlight => Volatile.Read(ref _transactions);

    /// <summary>The next transaction sent holds its items in flight until <paramref name="release"/> completes.</summary>
    public void Holding(Task release) => _hold = release;

    public override async Task<TransactWriteItemsResponse> TransactWriteItemsAsync(TransactWriteItemsRequest request,
        CancellationToken cancellationToken = default)
    {
        var items = request.TransactItems.Select(ItemOf).ToList();
        lock (_inFlight)
        {
            if (items.Any(_inFlight.Contains))
            {
                _conflicts++;
                var reasons = items.Select(i => new CancellationReason { Code = _inFlight.Contains(i) ? "TransactionConflict" : "None" }).ToList();
                throw new TransactionCanceledException(
                    $"Transaction cancelled, please refer cancellation reasons for specific reasons [{string.Join(", ", reasons.Select(r => r.Code))}]")
                {
                    CancellationReasons = reasons,
                    ErrorCode = "TransactionCanceledException",
                };
            }
            _inFlight.UnionWith(items);
        }
        Interlocked.Increment(ref _transactions);
        try
        {
            if (Interlocked.Exchange(ref _hold, null) is { } hold)
                await hold.WaitAsync(cancellationToken);
            return await base.TransactWriteItemsAsync(request, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _transactions);
            lock (_inFlight)
            {
                _inFlight.ExceptWith(items);
            }
        }
    }

    /// <summary>An item as its table and key: every attribute of a key (an update's), or the item's key attributes.</summary>
    static string ItemOf(TransactWriteItem action) => action switch
    {
        { Put: { } put } => Describe(put.TableName, put.Item.Where(a => a.Key is StatsTables.EventAttributes.EventId
            or StatsTables.CounterAttributes.Pk or StatsTables.CounterAttributes.Sk)),
        { Update: { } update } => Describe(update.TableName, update.Key),
        { Delete: { } delete } => Describe(delete.TableName, delete.Key),
        { ConditionCheck: { } check } => Describe(check.TableName, check.Key),
        _ => throw new ArgumentException("An empty transaction item.", nameof(action)),
    };

    static string Describe(string table, IEnumerable<KeyValuePair<string, AttributeValue>> key) =>
        table + "|" + string.Join("|", key.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}={a.Value.S ?? a.Value.N}"));
}
