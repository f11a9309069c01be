using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Webhook.Api.Options;

namespace Webhook.Api.Ingestion;

/// <summary>
/// A budget of refused requests per client address (Webhooks:RejectionRateLimit), so that a flood of fakes costs its
/// sender, and not the providers, the API's time. A rate-limiting middleware would have to decide before the request
/// is verified; here the intake asks at the start whether the client has permits left and spends one only when it
/// refuses the request, so verified traffic never uses the budget.
/// </summary>
public sealed class RejectionRateLimiter : IDisposable
{
    readonly PartitionedRateLimiter<string> _limiter;
    readonly TimeSpan _window;

    public RejectionRateLimiter(IOptions<WebhookOptions> options)
    {
        var limit = options.Value.RejectionRateLimit;
        _window = limit.Window;
        _limiter = PartitionedRateLimiter.Create<string, string>(client => RateLimitPartition.GetFixedWindowLimiter(client, _ =>
            new FixedWindowRateLimiterOptions { PermitLimit = limit.Permits, Window = limit.Window, QueueLimit = 0, AutoReplenishment = true }));
    }

    /// <summary>
    /// The client's partition: its IPv4 address, or the /64 network of its IPv6 address (one host commonly holds a
    /// whole /64, so single IPv6 addresses would give it endless budgets). Behind a reverse proxy this is the proxy's
    /// address unless the forwarded headers are applied first.
    /// </summary>
    public static string ClientKey(HttpContext http)
    {
        var address = http.Connection.RemoteIpAddress;
        if (address is null)
            return "unknown";
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            return address.ToString();
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes).ToString() + "/64";
    }

    /// <summary>Whether the client has spent its budget; if so, how long until it is renewed.</summary>
    public bool IsExhausted(string client, out TimeSpan retryAfter)
    {
        using var lease = _limiter.AttemptAcquire(client, 0);
        retryAfter = lease.IsAcquired ? TimeSpan.Zero
            : lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : _window;
        return !lease.IsAcquired;
    }

    /// <summary>Spends one permit of the client's budget on a refused request.</summary>
    public void Spend(string client)
    {
        using var lease = _limiter.AttemptAcquire(client, 1);
    }

    public void Dispose() => _limiter.Dispose();
}
