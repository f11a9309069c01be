using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Webhook.Api.Options;
using Webhook.Contracts;
using Webhook.Messaging.Publishing;

namespace Webhook.Api.Ingestion;

/// <summary>
/// Publishes what one request brought, its events and the events it set aside, and reports whether the broker
/// confirmed every one of them in time. The API's 2xx depends on it: true means all of it is durable in the broker.
/// </summary>
public sealed partial class EventPublisher(
    IEventPublishing publishing,
    IOptions<WebhookOptions> options,
    IngestionMetrics metrics,
    ILogger<EventPublisher> logger)
{
    public async Task<bool> PublishAllAsync(IReadOnlyList<EmailEventReceived> events, IReadOnlyList<EmailEventSetAside> setAside,
        CancellationToken requestAborted)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
        timeout.CancelAfter(options.Value.PublishTimeout);
        var count = events.Count + setAside.Count;
        try
        {
            // Many in flight together, since the broker confirms a few dozen about as fast as one; but not a whole batch
            // at once: each publish in flight holds its message, its serialized body and its send context until the
            // broker confirms it, and with 64 batches of 100 events in flight that made the API's heap hundreds of MiB.
            using var window = new SemaphoreSlim(PublishesInFlight);
            var publishes = new Task[count];
            for (var i = 0; i < events.Count; i++)
            {
                var message = events[i];
                publishes[i] = InWindowAsync(window, () => publishing.PublishAsync(message, timeout.Token), timeout.Token);
            }
            for (var i = 0; i < setAside.Count; i++)
            {
                var record = setAside[i];
                publishes[events.Count + i] = InWindowAsync(window, () => publishing.PublishAsync(record, timeout.Token), timeout.Token);
            }
            await Task.WhenAll(publishes);
            metrics.Published(events.Count);
            return true;
        }
        catch (Exception ex) when (!requestAborted.IsCancellationRequested)
        {
            // Timeouts, nacks (queue full), returns (unroutable) and connection failures alike: the provider keeps
            // the events and retries. Events of this request that were confirmed are recognised as duplicates then.
            metrics.PublishFailed(events.Count);
            LogNotConfirmed(logger, ex, count);
            return false;
        }
    }

    /// <summary>The most publishes one request has awaiting the broker's confirm at once.</summary>
    public const int PublishesInFlight = 32;

    static async Task InWindowAsync(SemaphoreSlim window, Func<Task> publish, CancellationToken cancellationToken)
    {
        await window.WaitAsync(cancellationToken);
        try
        {
            await publish();
        }
        finally
        {
            window.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The broker did not confirm {MessageCount} messages in time; answering 503")]
    static partial void LogNotConfirmed(ILogger logger, Exception exception, int messageCount);
}

/// <summary>Counters of the webhook intake (meter "Webhook.Api").</summary>
public sealed class IngestionMetrics
{
    public const string MeterName = "Webhook.Api";
    readonly Counter<long> _published;
    readonly Counter<long> _publishFailed;
    readonly Counter<long> _setAside;
    readonly Counter<long> _rejected;

    public IngestionMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _published = meter.CreateCounter<long>("webhook.events.published", "{event}", "Events confirmed by the broker.");
        _publishFailed = meter.CreateCounter<long>("webhook.events.publish_failed", "{event}", "Events the broker did not confirm in time (answered 503).");
        _setAside = meter.CreateCounter<long>("webhook.events.set_aside", "{event}", "Events of verified webhooks that could not be accepted, kept for an operator, by provider.");
        _rejected = meter.CreateCounter<long>("webhook.requests.rejected", "{request}", "Requests refused, by provider and status code.");
    }

    public void Published(int count) => _published.Add(count);

    public void PublishFailed(int count) => _publishFailed.Add(count);

    public void SetAside(string provider, int count) => _setAside.Add(count, new KeyValuePair<string, object?>("provider", provider));

    public void Rejected(string provider, int statusCode) =>
        _rejected.Add(1, new KeyValuePair<string, object?>("provider", provider), new KeyValuePair<string, object?>("status", statusCode));
}
