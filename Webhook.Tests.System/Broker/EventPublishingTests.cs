using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using NewId = MassTransit.NewId;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RabbitMQ.Client.Exceptions;
using Webhook.Contracts;
using Webhook.Messaging;
using Webhook.Messaging.Publishing;
using Webhook.Testing;

namespace Webhook.Tests.System.Broker;

/// <summary>
/// The intake's publisher on a real broker, in a virtual host of its own: what it declares routes its messages, the
/// broker's refusals reach the caller as failures (the API's 503), and a connection or queue taken away is back
/// without the host being restarted.
/// </summary>
public sealed class EventPublishingTests : IAsyncLifetime
{
    VirtualHost _broker = null!;

    public async Task InitializeAsync()
    {
        _broker = new VirtualHost(await LocalServers.EnsureTestServersAsync(), policy: new Dictionary<string, int> { ["max-length"] = 2 });
        await _broker.CreateAsync();
    }

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    static EmailEventReceived NewEvent() => new()
    {
        EventId = NewId.NextGuid(),
        EmailId = "email-1001",
        EventType = EmailEventTypes.Opened,
        OccurredAt = DateTimeOffset.UtcNow,
        ReceivedAt = DateTimeOffset.UtcNow,
        Provider = "standard",
    };

    static CancellationToken Within(int seconds) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    [Fact]
    public async Task Should_declare_what_routes_its_messages_and_confirm_them_with_their_id_and_the_callers_trace()
    {
        await using var publisher = await Publisher.StartAsync(_broker.Uri);
        var message = NewEvent();
        using (var caller = new Activity("caller").SetIdFormat(ActivityIdFormat.W3C).Start())
        {
            await publisher.Publishing.PublishAsync(message, Within(30));
            var record = new EmailEventSetAside
            {
                SetAsideId = NewId.NextGuid(), Provider = "standard", ReceivedAt = DateTimeOffset.UtcNow, Path = "/webhooks/email",
                Errors = new Dictionary<string, string[]> { ["eventType"] = ["Not a known event type."] }, RawEvent = "{}", RawEncoding = "utf-8",
            };
            await publisher.Publishing.PublishAsync(record, Within(30));

            var queued = Assert.Single(await _broker.ReceiveAsync(BrokerOptions.DefaultQueueName, 1, TimeSpan.FromSeconds(30)));
            Assert.Equal(message.EventId.ToString(), queued.MessageId);
            var trace = Encoding.UTF8.GetString(Assert.IsType<byte[]>(queued.Headers[RabbitMqEventPublishing.TraceHeader]));
            Assert.Contains(caller.TraceId.ToHexString(), trace, StringComparison.Ordinal);
            Assert.Equal(record.SetAsideId.ToString(), Assert.Single(await _broker.PeekAsync(BrokerOptions.SetAsideQueueNameOf(BrokerOptions.DefaultQueueName))).MessageId);
        }
        Assert.True(publisher.Connection.Status.Open, publisher.Connection.Status.State);
    }

    [Fact]
    public async Task Should_fail_the_publishes_the_broker_refuses_when_the_queue_is_full_and_keep_those_it_confirmed()
    {
        await using var publisher = await Publisher.StartAsync(_broker.Uri);
        // A quorum queue learns it is over its limit just after the message that took it there: a few more may be
        // taken before the refusals begin.
        var confirmed = 0;
        PublishException? refused = null;
        while (refused is null && confirmed < 100)
        {
            try
            {
                await publisher.Publishing.PublishAsync(NewEvent(), Within(30));
                confirmed++;
            }
            catch (PublishException ex)
            {
                refused = ex;
            }
        }

        Assert.NotNull(refused);
        Assert.False(refused.IsReturn);
        Assert.InRange(confirmed, 2, 99);
        Assert.Equal((uint)confirmed, await _broker.ReadyMessagesAsync(BrokerOptions.DefaultQueueName));
    }

    [Fact]
    public async Task Should_fail_a_publish_with_no_queue_to_take_it_and_declare_the_queue_again_for_the_next()
    {
        await using var publisher = await Publisher.StartAsync(_broker.Uri);
        await _broker.DeleteQueueAsync(BrokerOptions.DefaultQueueName);

        var returned = await Assert.ThrowsAnyAsync<PublishException>(() => publisher.Publishing.PublishAsync(NewEvent(), Within(30)));
        Assert.True(returned.IsReturn);

        // The publisher declares the queue again, on the connection it has; the provider's retry, a moment later, is taken.
        var retried = NewEvent();
        await PublishUntilConfirmedAsync(publisher, retried);
        Assert.Equal(retried.EventId.ToString(), Assert.Single(await _broker.ReceiveAsync(BrokerOptions.DefaultQueueName, 1, TimeSpan.FromSeconds(30))).MessageId);
        Assert.Equal(1, publisher.Connection.ConnectionsOpened);
    }

    [Fact]
    public async Task Should_connect_again_when_the_broker_closes_its_connection_and_publish_on_the_new_one()
    {
        await using var publisher = await Publisher.StartAsync(_broker.Uri);
        Assert.Equal(1, publisher.Connection.ConnectionsOpened);
        await _broker.CloseConnectionsAsync("closed by the test");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (publisher.Connection.ConnectionsOpened < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, publisher.Connection.Status.State);
            await Task.Delay(20);
        }

        var message = NewEvent();
        await PublishUntilConfirmedAsync(publisher, message);
        Assert.True(publisher.Connection.Status.Open, publisher.Connection.Status.State);
        Assert.Equal(new Dictionary<string, long>
        {
            [PublisherConnection.ConnectedInstrument] = 1,
            [PublisherConnection.ConnectionsOpenedInstrument] = 2,
        }, publisher.ReadMeter());
        Assert.Equal(message.EventId.ToString(), Assert.Single(await _broker.ReceiveAsync(BrokerOptions.DefaultQueueName, 1, TimeSpan.FromSeconds(30))).MessageId);
    }

    [Fact]
    public async Task Should_publish_again_on_the_next_connection_what_was_in_flight_when_the_broker_closed_the_connection()
    {
        await _broker.SetPolicyAsync(new Dictionary<string, int> { ["max-length"] = 1_000_000 });
        await using var publisher = await Publisher.StartAsync(_broker.Uri);
        var confirmedBefore = 0;
        var confirmedAfter = 0;
        var failures = new ConcurrentQueue<Exception>();

        // 64 publishes in flight at every moment, as the API's requests keep them, until the connection has been closed
        // under them and 200 more were confirmed on the next one.
        async Task KeepPublishingAsync()
        {
            while (Volatile.Read(ref confirmedAfter) < 200)
            {
                var reopened = publisher.Connection.ConnectionsOpened > 1;
                try
                {
                    await publisher.Publishing.PublishAsync(NewEvent(), Within(30));
                    Interlocked.Increment(ref reopened ? ref confirmedAfter : ref confirmedBefore);
                }
                catch (Exception ex)
                {
                    failures.Enqueue(ex);
                    return;
                }
            }
        }

        var publishing = Enumerable.Range(0, 64).Select(_ => Task.Run(KeepPublishingAsync)).ToArray();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Volatile.Read(ref confirmedBefore) < 500 && failures.IsEmpty)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{confirmedBefore} confirmed; {publisher.Connection.Status.State}");
            await Task.Delay(10);
        }
        await _broker.CloseConnectionsAsync("closed by the test with publishes in flight");
        await Task.WhenAll(publishing);

        Assert.Empty(failures);
        Assert.Equal(2, publisher.Connection.ConnectionsOpened);
        // Every confirmed message is in the queue; one in flight at the close may be there twice (the Processor applies it once).
        Assert.InRange((int)await _broker.ReadyMessagesAsync(BrokerOptions.DefaultQueueName), confirmedBefore + confirmedAfter, confirmedBefore + confirmedAfter + 64);
    }

    /// <summary>Publishes as a provider retries: again after each failure, until confirmed (a minute at most).</summary>
    static async Task PublishUntilConfirmedAsync(Publisher publisher, EmailEventReceived message)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            try
            {
                await publisher.Publishing.PublishAsync(message, Within(10));
                return;
            }
            catch (Exception ex) when (ex is RabbitMQClientException or OperationCanceledException or IOException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>The publisher as the API registers it, on its own service provider.</summary>
    sealed class Publisher : IAsyncDisposable
    {
        readonly ServiceProvider _services;
        readonly PublisherConnectionService _service;

        Publisher(ServiceProvider services)
        {
            _services = services;
            _service = services.GetServices<IHostedService>().OfType<PublisherConnectionService>().Single();
        }

        public IEventPublishing Publishing => _services.GetRequiredService<IEventPublishing>();

        public PublisherConnection Connection => _services.GetRequiredService<PublisherConnection>();

        /// <summary>What the publisher's meter reports now, by instrument, as an exporter would read it.</summary>
        public Dictionary<string, long> ReadMeter() =>
            MeterReadings.Read(_services.GetRequiredService<IMeterFactory>(), PublisherConnection.MeterName);

        public static async Task<Publisher> StartAsync(string uri)
        {
            var services = new ServiceCollection();
            services.AddSingleton<IConfiguration>(new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { [BrokerConnectionOptions.Key] = uri }).Build());
            services.AddLogging();
            services.AddEventPublishing();
            var publisher = new Publisher(services.BuildServiceProvider());
            await publisher._service.StartAsync(CancellationToken.None);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!publisher.Connection.Status.Open)
            {
                Assert.True(DateTime.UtcNow < deadline, publisher.Connection.Status.State);
                await Task.Delay(20);
            }
            return publisher;
        }

        public async ValueTask DisposeAsync()
        {
            await _service.StopAsync(CancellationToken.None);
            await _services.DisposeAsync();
        }
    }
}
