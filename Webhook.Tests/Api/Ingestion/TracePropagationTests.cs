using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using MassTransit;
using MassTransit.Testing;
using Webhook.Contracts;
using Webhook.Testing;
using Webhook.Tests.Fixtures;

namespace Webhook.Tests.Api.Ingestion;

/// <summary>One trace from the HTTP request into the broker: the publish runs inside the request's trace and the message carries it on.</summary>
public sealed class TracePropagationTests : IDisposable
{
    readonly ConcurrentBag<Activity> _activities = [];
    readonly ActivityListener _listener;

    public TracePropagationTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Microsoft.AspNetCore" or "MassTransit",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _activities.Add,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    [Fact]
    public async Task Should_publish_within_the_request_trace_and_carry_it_in_the_message_headers()
    {
        await using var factory = new ApiFactory();
        await factory.Harness.Start();

        // The caller's trace, as a provider's tracing would send it: the listener also hears the tests running beside
        // this one, and this trace id tells this request's activities from theirs.
        var traceId = ActivityTraceId.CreateRandom();
        var sent = Signing.StandardRequest("""{"emailId":"email-1001","eventType":"Opened"}""");
        sent.Headers.Add("traceparent", $"00-{traceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        var response = await factory.CreateClient().SendAsync(sent);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        var published = await factory.Harness.Published.SelectAsync<EmailEventReceived>().First();
        var request = Assert.Single(_activities, a => a.OperationName == "Microsoft.AspNetCore.Hosting.HttpRequestIn" && a.TraceId == traceId);
        var publish = Assert.Single(_activities, a => a.Source.Name == "MassTransit" && a.TraceId == traceId);
        Assert.Equal(ActivityKind.Producer, publish.Kind);

        // MassTransit's own header for the W3C trace context; the consumer starts its activity from it.
        var traceParent = published.Context.Headers.Get<string>("MT-Activity-Id");
        Assert.NotNull(traceParent);
        Assert.Contains(request.TraceId.ToHexString(), traceParent, StringComparison.Ordinal);
    }

    public void Dispose() => _listener.Dispose();
}
