using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Webhook.Contracts;
using Webhook.Messaging;

namespace Webhook.Bench;

/// <summary>
/// The broker ceiling: the API's own publishing (the product's BrokerTransport: publisher confirms, mandatory,
/// the same quorum queue) without HTTP, from the benchmark's process, N publishes awaited at once.
/// </summary>
public sealed class BrokerCeiling : IAsyncDisposable
{
    readonly ServiceProvider _provider;
    readonly IBusControl _bus;

    public BrokerCeiling(string rabbitMqUri)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:RabbitMq"] = rabbitMqUri })
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddBrokerOptions();
        services.AddMassTransit(x =>
        {
            x.DisableUsageTelemetry();
            x.UsingConfiguredBroker();
        });
        _provider = services.BuildServiceProvider();
        _bus = _provider.GetRequiredService<IBusControl>();
    }

    public Task StartAsync(CancellationToken ct) => _bus.StartAsync(ct);

    /// <summary>Publishes event number n and returns 202 once the broker confirmed it, 0 when it did not.</summary>
    public async Task<int> PublishAsync(long n, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        var message = new EmailEventReceived
        {
            EventId = NewId.NextGuid(),
            EmailId = Requests.EmailId(n),
            EventType = Requests.EventType(n),
            OccurredAt = now,
            ReceivedAt = now,
            Provider = "standard",
        };
        try
        {
            await _bus.Publish(message, context => context.MessageId = message.EventId, ct);
            return 202;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return 0;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _bus.StopAsync(CancellationToken.None);
        await _provider.DisposeAsync();
    }
}
