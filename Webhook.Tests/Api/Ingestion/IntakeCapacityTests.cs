using System.Net;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Webhook.Testing;
using Webhook.Tests.Fixtures;

namespace Webhook.Tests.Api.Ingestion;

/// <summary>What one API process holds is bounded: beyond it, 503 with Retry-After, so the provider keeps its events.</summary>
public class IntakeCapacityTests
{
    static string Events(int count) =>
        "[" + string.Join(",", Enumerable.Range(0, count).Select(i => $$"""{"emailId":"email-{{i}}","eventType":"Opened"}""")) + "]";

    [Fact]
    public async Task Should_answer_503_while_as_many_events_as_allowed_await_the_brokers_confirmation()
    {
        var release = new TaskCompletionSource();
        await using var factory = new ApiFactory(new() { ["Webhooks:MaxPendingEvents"] = "10" },
            configurePublish: p => p.UseExecuteAsync(_ => release.Task));
        await factory.Harness.Start();
        var client = factory.CreateClient();

        var waiting = client.SendAsync(Signing.StandardRequest(Events(8)));
        await WaitUntilAsync(() => factory.Harness.Published.Select<Webhook.Contracts.EmailEventReceived>().Any() || IsPending(factory));
        var over = await client.SendAsync(Signing.StandardRequest(Events(5)));
        release.SetResult();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, over.StatusCode);
        Assert.NotNull(over.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.Accepted, (await waiting).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await client.SendAsync(Signing.StandardRequest(Events(5)))).StatusCode);
    }

    [Fact]
    public async Task Should_answer_503_when_the_bodies_held_would_pass_the_limit()
    {
        // A limit of 64 KiB: a body of 100 KiB cannot be held beside another.
        await using var factory = new ApiFactory(new() { ["Webhooks:MaxBufferedBodyBytes"] = "65536" });
        await factory.Harness.Start();
        var capacity = factory.Services.GetRequiredService<global::Webhook.Api.Ingestion.IntakeCapacity>();
        Assert.True(capacity.TryReserveBytes(1));

        var response = await factory.CreateClient().SendAsync(Signing.StandardRequest(new string(' ', 100 * 1024) + Events(1)));
        capacity.ReleaseBytes(1);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal(0, capacity.BufferedBytes);
    }

    static bool IsPending(ApiFactory factory) =>
        factory.Services.GetRequiredService<global::Webhook.Api.Ingestion.IntakeCapacity>().PendingEvents > 0;

    static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
            await Task.Delay(10, limit.Token);
    }
}
