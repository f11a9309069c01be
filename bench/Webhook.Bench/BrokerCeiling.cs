using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Webhook.Contracts;
using Webhook.Messaging;
using Webhook.Messaging.Publishing;

namespace Webhook.Bench;

/// <summary>
/// The broker ceiling: the API's own publisher (the product's <see cref="RabbitMqEventPublishing"/>: publisher
/// confirms, mandatory, the same exchanges and quorum queue) without HTTP, from the benchmark's process, N publishes
/// awaited at once.
/// </summary>
public sealed class BrokerCeiling : IAsyncDisposable
{
    readonly ServiceProvider _provider;
    readonly PublisherConnectionService _connection;
    readonly IEventPublishing _publishing;

    public BrokerCeiling(string rabbitMqUri)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:RabbitMq"] = rabbitMqUri })
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddEventPublishing();
        _provider = services.BuildServiceProvider();
        _connection = _provider.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<PublisherConnectionService>().Single();
        _publishing = _provider.GetRequiredService<IEventPublishing>();
    }

    /// <summary>Connects, and returns once the publisher's connection is open.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        await _connection.StartAsync(ct);
        var connection = _provider.GetRequiredService<PublisherConnection>();
        while (!connection.Status.Open)
            await Task.Delay(50, ct);
    }

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
            await _publishing.PublishAsync(message, ct);
            return 202;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return 0;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _connection.StopAsync(CancellationToken.None);
        await _provider.DisposeAsync();
    }
}
