using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Webhook.Storage;

/// <summary>
/// Tokens that make a signed request usable once, across every API replica and every restart (Mailgun signs a
/// timestamp and a token, not the events, so a captured request could otherwise be replayed with other events).
/// A request first claims its token; the token counts as used only when the request is answered 2xx (<see cref="TokenClaim.ConfirmAsync"/>);
/// a request answered otherwise gives it back (<see cref="TokenClaim.ReleaseAsync"/>), so the provider's retry is accepted.
/// </summary>
public interface ISingleUseTokens
{
    /// <summary>
    /// Claims <paramref name="token"/> of <paramref name="scope"/> (the provider) for the request at hand; null when
    /// it was used before, or another request holds it now. The claim lapses by itself after
    /// <paramref name="holdFor"/> (a replica that died while holding it does not keep it from the provider's retry); a
    /// used token is remembered until <paramref name="expiresAt"/>, after which its signed timestamp is refused anyway.
    /// </summary>
    Task<TokenClaim?> TryClaimAsync(string scope, string token, DateTimeOffset expiresAt, TimeSpan holdFor, CancellationToken cancellationToken);
}

/// <summary>A token a request holds: confirm it once the request is answered 2xx, release it otherwise.</summary>
public abstract class TokenClaim
{
    /// <summary>The request was answered 2xx: the token is used for good (until it expires).</summary>
    public abstract Task ConfirmAsync(CancellationToken cancellationToken);

    /// <summary>The request was not accepted: the token is free again, for the provider's retry.</summary>
    public abstract Task ReleaseAsync(CancellationToken cancellationToken);
}

/// <summary>
/// The table of single-use tokens, <c>{prefix}single-use-tokens</c>: key <c>Key</c> (scope#token); <c>State</c>
/// (held or used), <c>Holder</c> (the claim), <c>HeldUntil</c> and <c>ExpiresAt</c> (Unix seconds; DynamoDB's time to
/// live deletes expired items, within a day or two, so the conditions check the times themselves).
/// </summary>
public sealed class SingleUseTokenTable(StatsOptions options)
{
    public const string KeyAttribute = "Key";
    public const string ExpiresAtAttribute = "ExpiresAt";

    public string Name { get; } = options.TablePrefix + "single-use-tokens";

    public DynamoTable Definition => new(new CreateTableRequest
    {
        TableName = Name,
        BillingMode = BillingMode.PAY_PER_REQUEST,
        AttributeDefinitions = [new AttributeDefinition(KeyAttribute, ScalarAttributeType.S)],
        KeySchema = [new KeySchemaElement(KeyAttribute, KeyType.HASH)],
    }, ExpiresAtAttribute);
}

/// <summary>Single-use tokens in DynamoDB: one conditional write per claim, one per outcome.</summary>
public sealed class DynamoSingleUseTokens(IAmazonDynamoDB dynamo, SingleUseTokenTable table, TimeProvider time) : ISingleUseTokens
{
    const string Held = "held";
    const string Used = "used";

    public async Task<TokenClaim?> TryClaimAsync(string scope, string token, DateTimeOffset expiresAt, TimeSpan holdFor, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var key = $"{scope}#{token}";
        var holder = Guid.NewGuid().ToString("N");
        try
        {
            await dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = table.Name,
                Item = new Dictionary<string, AttributeValue>
                {
                    [SingleUseTokenTable.KeyAttribute] = new() { S = key },
                    ["State"] = new() { S = Held },
                    ["Holder"] = new() { S = holder },
                    ["HeldUntil"] = Seconds(now + holdFor),
                    [SingleUseTokenTable.ExpiresAtAttribute] = Seconds(expiresAt),
                },
                // New, or a claim that lapsed (its holder died), or a use that expired.
                ConditionExpression = "attribute_not_exists(#key) OR (#state = :held AND #heldUntil < :now) OR #expiresAt < :now",
                ExpressionAttributeNames = new Dictionary<string, string>
                {
                    ["#key"] = SingleUseTokenTable.KeyAttribute,
                    ["#state"] = "State",
                    ["#heldUntil"] = "HeldUntil",
                    ["#expiresAt"] = SingleUseTokenTable.ExpiresAtAttribute,
                },
                ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":held"] = new() { S = Held }, [":now"] = Seconds(now) },
            }, cancellationToken);
            return new DynamoClaim(dynamo, table.Name, key, holder);
        }
        catch (ConditionalCheckFailedException)
        {
            return null;
        }
    }

    static AttributeValue Seconds(DateTimeOffset at) => new() { N = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) };

    sealed class DynamoClaim(IAmazonDynamoDB dynamo, string tableName, string key, string holder) : TokenClaim
    {
        public override Task ConfirmAsync(CancellationToken cancellationToken) => dynamo.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = tableName,
            Key = Key(),
            UpdateExpression = "SET #state = :used REMOVE HeldUntil",
            ConditionExpression = "Holder = :holder",
            ExpressionAttributeNames = new Dictionary<string, string> { ["#state"] = "State" },
            ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":used"] = new() { S = Used }, [":holder"] = new() { S = holder } },
        }, cancellationToken);

        public override async Task ReleaseAsync(CancellationToken cancellationToken)
        {
            try
            {
                await dynamo.DeleteItemAsync(new DeleteItemRequest
                {
                    TableName = tableName,
                    Key = Key(),
                    ConditionExpression = "Holder = :holder AND #state = :held",
                    ExpressionAttributeNames = new Dictionary<string, string> { ["#state"] = "State" },
                    ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":holder"] = new() { S = holder }, [":held"] = new() { S = Held } },
                }, cancellationToken);
            }
            catch (ConditionalCheckFailedException)
            {
                // The claim had lapsed and another request took the token: it is that request's now.
            }
        }

        Dictionary<string, AttributeValue> Key() => new() { [SingleUseTokenTable.KeyAttribute] = new() { S = key } };
    }
}
