using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Webhook.Console.Options;
using Webhook.ServiceDefaults;

namespace Webhook.Console.Security;

/// <summary>
/// Tells which role a presented key opens, for the JSON API (X-Api-Key) and the sign-in page alike. Keys are compared
/// as SHA-256 hashes in constant time, so neither their content nor their length leaks through timing; every key is
/// compared with both roles' keys, so the time does not say which role a key almost matched. A client that has
/// presented <see cref="FailuresPerWindow"/> wrong keys in a minute is refused, even with a right key, for the rest
/// of that minute, before any key it sends is looked at: a key cannot be guessed at speed.
/// </summary>
public sealed class ConsoleKeys
{
    public const string Header = "X-Api-Key";
    public const string FingerprintClaim = "webhook-console-key";
    public const int FailuresPerWindow = 10;

    static readonly byte[] Unset = new byte[32];

    readonly byte[]? _analyst;
    readonly byte[]? _operator;
    readonly RejectionRateLimiter _failures;

    public ConsoleKeys(IOptions<ConsoleOptions> options, TimeProvider time)
    {
        _analyst = Hash(options.Value.AnalystKey);
        _operator = Hash(options.Value.OperatorKey);
        _failures = new RejectionRateLimiter(FailuresPerWindow, TimeSpan.FromMinutes(1), time);
    }

    public bool AnalystEnabled => _analyst is not null;

    public bool OperatorEnabled => _operator is not null;

    /// <summary>Whether the client has presented too many wrong keys lately; if so, how long until it may try again.</summary>
    public bool IsLockedOut(HttpContext http, out TimeSpan retryAfter) => _failures.IsExhausted(RejectionRateLimiter.ClientKey(http), out retryAfter);

    /// <summary>The role the key opens, or null (and the client's budget of wrong keys spent) when it opens none.</summary>
    public string? RoleOf(HttpContext http, string? presented)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(presented ?? ""));
        var analyst = _analyst is not null & CryptographicOperations.FixedTimeEquals(hash, _analyst ?? Unset);
        var @operator = _operator is not null & CryptographicOperations.FixedTimeEquals(hash, _operator ?? Unset);
        if (@operator)
            return ConsoleRoles.Operator;
        if (analyst)
            return ConsoleRoles.Analyst;
        _failures.Spend(RejectionRateLimiter.ClientKey(http));
        return null;
    }

    /// <summary>
    /// What a sign-in cookie carries of the key that signed it in: a hash of the role's key now, so that a cookie of a
    /// key since changed (rotated, or its role disabled) is no longer taken. Never the key.
    /// </summary>
    public string? FingerprintOf(string role) => (role == ConsoleRoles.Operator ? _operator : role == ConsoleRoles.Analyst ? _analyst : null) is { } key
        ? Convert.ToHexStringLower(SHA256.HashData([.. "webhook-console-session:"u8, .. key]))[..32]
        : null;

    static byte[]? Hash(string? key) => string.IsNullOrEmpty(key) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
