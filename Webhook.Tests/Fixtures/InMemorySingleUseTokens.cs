using System.Collections.Concurrent;
using Webhook.Storage;

namespace Webhook.Tests.Fixtures;

/// <summary>Single-use tokens in memory, as DynamoSingleUseTokens keeps them in DynamoDB: claimed, then used or released.</summary>
public sealed class InMemorySingleUseTokens : ISingleUseTokens
{
    readonly ConcurrentDictionary<string, string> _tokens = new(StringComparer.Ordinal);

    /// <summary>Tokens in use now, held or used, with their state.</summary>
    public IReadOnlyDictionary<string, string> States => _tokens;

    public Task<TokenClaim?> TryClaimAsync(string scope, string token, DateTimeOffset expiresAt, TimeSpan holdFor, CancellationToken cancellationToken)
    {
        var key = $"{scope}#{token}";
        return Task.FromResult<TokenClaim?>(_tokens.TryAdd(key, "held") ? new Claim(this, key) : null);
    }

    sealed class Claim(InMemorySingleUseTokens tokens, string key) : TokenClaim
    {
        public override Task ConfirmAsync(CancellationToken cancellationToken)
        {
            tokens._tokens[key] = "used";
            return Task.CompletedTask;
        }

        public override Task ReleaseAsync(CancellationToken cancellationToken)
        {
            tokens._tokens.TryRemove(new KeyValuePair<string, string>(key, "held"));
            return Task.CompletedTask;
        }
    }
}
