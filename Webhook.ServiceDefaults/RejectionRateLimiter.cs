using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;

namespace Webhook.ServiceDefaults;

/// <summary>
/// A budget of refused requests per client address, so that a flood of fakes (the intake's unsigned webhooks, the
/// console's wrong keys) costs its sender, and not the genuine clients, the host's time. A rate-limiting middleware
/// would have to decide before the request is verified; here the host asks at the start whether the client has
/// permits left and spends one only when it refuses the request, so verified traffic never uses the budget.
/// </summary>
/// <remarks>
/// A fixed window per client that starts with its first refusal, on the host's <see cref="TimeProvider"/> (so tests
/// move time rather than wait for it). Windows that have ended are swept once per window length, so the memory held
/// is bounded by the clients refused within one window.
/// </remarks>
public sealed class RejectionRateLimiter(int permits, TimeSpan window, TimeProvider time)
{
    readonly ConcurrentDictionary<string, Budget> _budgets = new(StringComparer.Ordinal);
    readonly int _permits = permits;
    readonly TimeSpan _window = window;
    long _nextSweep;

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
        retryAfter = TimeSpan.Zero;
        if (!_budgets.TryGetValue(client, out var budget))
            return false;
        var now = time.GetUtcNow();
        lock (budget)
        {
            if (now >= budget.Renewal || budget.Spent < _permits)
                return false;
            retryAfter = budget.Renewal - now;
            return true;
        }
    }

    /// <summary>Spends one permit of the client's budget on a refused request.</summary>
    public void Spend(string client)
    {
        var now = time.GetUtcNow();
        SweepIfDue(now);
        var budget = _budgets.GetOrAdd(client, static (_, renewal) => new Budget { Renewal = renewal }, now + _window);
        lock (budget)
        {
            if (now >= budget.Renewal)
            {
                budget.Renewal = now + _window;
                budget.Spent = 0;
            }
            budget.Spent++;
        }
    }

    void SweepIfDue(DateTimeOffset now)
    {
        var due = Interlocked.Read(ref _nextSweep);
        if (now.UtcTicks < due || Interlocked.CompareExchange(ref _nextSweep, (now + _window).UtcTicks, due) != due)
            return;
        foreach (var (client, budget) in _budgets)
        {
            bool ended;
            lock (budget)
                ended = now >= budget.Renewal;
            if (ended)
                _budgets.TryRemove(new KeyValuePair<string, Budget>(client, budget));
        }
    }

    sealed class Budget
    {
        public DateTimeOffset Renewal;
        public int Spent;
    }
}
