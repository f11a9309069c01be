using System.Diagnostics.Metrics;
using MassTransit;
using Microsoft.Extensions.Options;
using Webhook.Api.Options;
using Webhook.Contracts;

namespace Webhook.Api.Ingestion;

/// <summary>
/// Publishes the events of one request and reports whether the broker confirmed every one of them in time.
/// The API's 2xx depends on it: true means every event is durable in the broker.
/// </summary>
public sealed partial class EventPublisher(
    IPublishEndpoint publishEndpoint,
    IOptions<WebhookOptions> options,
    IngestionMetrics metrics,
    ILogger<EventPublisher> logger)
{
    public async Task<bool> PublishAllAsync(IReadOnlyList<EmailEventReceived> events, CancellationToken requestAborted)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
        timeout.CancelAfter(options.Value.PublishTimeout);
        try
        {
            // In flight together: the broker confirms a batch about as fast as one event.
            var publishes = new Task[events.Count];
            for (var i = 0; i < events.Count; i++)
            {
                var message = events[i];
                publishes[i] = publishEndpoint.Publish(message, context => context.MessageId = message.EventId, timeout.Token);
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
            LogNotConfirmed(logger, ex, events.Count);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The broker did not confirm {EventCount} events in time; answering 503")]
    static partial void LogNotConfirmed(ILogger logger, Exception exception, int eventCount);
}

/// <summary>Counters of the webhook intake (meter "Webhook.Api").</summary>
public sealed class IngestionMetrics
{
    public const string MeterName = "Webhook.Api";
    readonly Counter<long> _published;
    readonly Counter<long> _publishFailed;
    readonly Counter<long> _rejected;

    public IngestionMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _published = meter.CreateCounter<long>("webhook.events.published", "{event}", "Events confirmed by the broker.");
        _publishFailed = meter.CreateCounter<long>("webhook.events.publish_failed", "{event}", "Events the broker did not confirm in time (answered 503).");
        _rejected = meter.CreateCounter<long>("webhook.requests.rejected", "{request}", "Requests refused, by provider and status code.");
    }

    public void Published(int count) => _published.Add(count);

    public void PublishFailed(int count) => _publishFailed.Add(count);

    public void Rejected(string provider, int statusCode) =>
        _rejected.Add(1, new KeyValuePair<string, object?>("provider", provider), new KeyValuePair<string, object?>("status", statusCode));
}
