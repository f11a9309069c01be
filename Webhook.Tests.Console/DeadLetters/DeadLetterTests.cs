using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Webhook.Console.Endpoints;
using Webhook.Contracts;
using Webhook.Messaging.DeadLetters;
using Webhook.Testing;
using Webhook.Tests.Console.Fixtures;

namespace Webhook.Tests.Console.DeadLetters;

/// <summary>
/// The operators' dead-letter queue, through the dead-letter endpoints of the running console, with the Processor as a
/// separate process failing for real (a store that refuses) and then fixed.
/// </summary>
[Collection(DeadLetterTestGroup.Name)]
public class DeadLetterTests(DeadLetterFixture system)
{
    const string Opened = EmailEventTypes.Opened;
    const string Clicked = EmailEventTypes.Clicked;

    static string Iso(DateTimeOffset time) => Uri.EscapeDataString(time.ToString("O", CultureInfo.InvariantCulture));

    [Fact]
    public async Task Should_list_and_show_an_event_that_failed_for_good_with_its_reason_and_attempts()
    {
        await system.ResetAsync(ProcessorMode.FailingPermanently);
        var email = await system.Database.AddEmailAsync(productCount: 1);
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        var id = Assert.Single(await system.PostEventsAsync((email.EmailId, Opened)));
        await system.WaitForDeadLettersAsync(1);

        var listed = Assert.Single((await system.ListAsync()).Items);
        Assert.Equal(id, listed.EventId);
        Assert.Equal(Opened, listed.EventType);
        Assert.Equal(email.EmailId, listed.EmailId);
        Assert.Equal("standard", listed.Provider);
        Assert.Equal(DeadLetterSources.Processor, listed.FailedIn);
        Assert.False(string.IsNullOrWhiteSpace(listed.Reason));
        Assert.Equal(1, listed.Attempts); // a permanent failure is not retried
        Assert.Equal(0, listed.Replays);
        Assert.InRange(listed.LastFailedAt!.Value, before, DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(listed.LastFailedAt, listed.FirstFailedAt);

        var shown = await system.ShowAsync(id);
        Assert.Equal(listed.Reason, shown.Reason);
        // DynamoDB's own words, not the AWS SDK's anonymous inner HTTP error.
        Assert.Equal(typeof(Webhook.Processor.Stats.StatisticsRejectedException).FullName, shown.ExceptionType);
        Assert.Contains("ValidationError", shown.Reason, StringComparison.Ordinal);
        Assert.Contains("DynamoEmailStatistics", shown.StackTrace, StringComparison.Ordinal);
        Assert.Equal(email.EmailId, shown.Body!.Value.GetProperty("message").GetProperty("emailId").GetString());

        using var text = new HttpRequestMessage(HttpMethod.Get, DeadLetterEndpoints.Route);
        text.Headers.Accept.ParseAdd("text/plain");
        var table = await (await system.Admin.SendAsync(text)).Content.ReadAsStringAsync();
        Assert.Contains(id.ToString(), table, StringComparison.Ordinal);
        Assert.Contains("1-1 of 1 dead letters", table, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_wait_for_a_store_that_does_not_answer_saying_why_and_dead_letter_nothing()
    {
        await system.ResetAsync(ProcessorMode.WaitingForDynamo);
        var email = await system.Database.AddEmailAsync(productCount: 1);

        var id = Assert.Single(await system.PostEventsAsync((email.EmailId, Opened)));
        // A definite signal: the Processor says it is paused, and has tried the event over and over.
        var paused = await system.System.WaitUntilPausedAsync(failures: 5, TimeSpan.FromSeconds(90));

        Assert.Contains("paused", paused, StringComparison.Ordinal);
        Assert.Equal(0, await system.DeadLetterCountAsync());

        // DynamoDB answers again (a Processor that reaches it): the event is counted and applied, once.
        await system.RunProcessorAsync(ProcessorMode.Working);
        await system.WaitForQueueDrainedAsync();
        Assert.Equal(1, await system.Dynamo.EventCountAsync(email.EmailId));
        Assert.Equal(1, await system.Database.ViewCountAsync(email.CustomerId));
        Assert.Equal(0, await system.DeadLetterCountAsync());
        Assert.NotEqual(Guid.Empty, id);
    }

    [Fact]
    public async Task Should_process_replayed_events_exactly_once_when_the_cause_is_fixed()
    {
        await system.ResetAsync(ProcessorMode.FailingPermanently);
        var a = await system.Database.AddEmailAsync(productCount: 2);
        var b = await system.Database.AddEmailAsync(productCount: 1);
        await system.PostEventsAsync((a.EmailId, Opened), (a.EmailId, Clicked), (b.EmailId, Opened));
        await system.WaitForDeadLettersAsync(3);
        Assert.Equal(0, await system.Dynamo.EmailCounterAsync(a.EmailId, "Events"));

        await system.RunProcessorAsync(ProcessorMode.Working);
        var result = await system.ReplayAsync("all=true&rate=50");
        await system.WaitForQueueDrainedAsync();

        Assert.Equal(new ReplayResult(3, 3), result);
        Assert.Equal(0, await system.DeadLetterCountAsync());
        Assert.Equal(1, await system.Dynamo.EmailCounterAsync(a.EmailId, "Opens"));
        Assert.Equal(1, await system.Dynamo.EmailCounterAsync(a.EmailId, "Clicks"));
        Assert.Equal(2, await system.Dynamo.EventCountAsync(a.EmailId));
        Assert.Equal(1, await system.Dynamo.EventCountAsync(b.EmailId));
        Assert.Equal(2 * 2, await system.Database.ViewCountAsync(a.CustomerId));
        Assert.Equal(1, await system.Database.ViewCountAsync(b.CustomerId));

        // Nothing left to replay: a second replay finds nothing and changes nothing.
        Assert.Equal(new ReplayResult(0, 0), await system.ReplayAsync("all=true"));
    }

    [Fact]
    public async Task Should_return_a_replay_that_fails_again_to_the_dead_letters_with_its_history()
    {
        await system.ResetAsync(ProcessorMode.FailingPermanently);
        var email = await system.Database.AddEmailAsync(productCount: 1);
        var id = Assert.Single(await system.PostEventsAsync((email.EmailId, Opened)));
        await system.WaitForDeadLettersAsync(1);
        var first = await system.ShowAsync(id);

        Assert.Equal(new ReplayResult(1, 1), await system.ReplayAsync($"eventId={id}"));
        var second = await WaitForReplaysAsync(id, 1);

        Assert.Equal(2, second.Attempts);
        Assert.Equal(first.FirstFailedAt, second.FirstFailedAt);
        Assert.True(second.LastFailedAt > first.LastFailedAt, $"{second.LastFailedAt:O} should be after {first.LastFailedAt:O}");
        Assert.Equal(first.Reason, second.Reason);
        Assert.Equal(1, await system.DeadLetterCountAsync());

        await system.ReplayAsync($"eventId={id}");
        var third = await WaitForReplaysAsync(id, 2);
        Assert.Equal(3, third.Attempts);
        Assert.Equal(first.FirstFailedAt, third.FirstFailedAt);
        Assert.Equal(1, await system.DeadLetterCountAsync());
    }

    [Fact]
    public async Task Should_replay_only_the_selected_dead_letters_and_leave_the_others()
    {
        await system.ResetAsync(ProcessorMode.FailingPermanently);
        var a = await system.Database.AddEmailAsync(productCount: 1);
        var b = await system.Database.AddEmailAsync(productCount: 1);
        var c = await system.Database.AddEmailAsync(productCount: 1);
        var d = await system.Database.AddEmailAsync(productCount: 1);
        var ids = await system.PostEventsAsync((a.EmailId, Opened), (a.EmailId, Clicked), (b.EmailId, Opened), (c.EmailId, Opened));
        await system.WaitForDeadLettersAsync(4);
        await Task.Delay(1100);
        var between = DateTimeOffset.UtcNow;
        await Task.Delay(100);
        await system.PostEventsAsync((d.EmailId, Opened));
        await system.WaitForDeadLettersAsync(5);
        await system.RunProcessorAsync(ProcessorMode.Working);

        Assert.Equal(new ReplayResult(5, 1), await system.ReplayAsync($"eventType={Clicked}"));
        Assert.Equal(new ReplayResult(4, 1), await system.ReplayAsync($"emailId={b.EmailId}"));
        Assert.Equal(new ReplayResult(3, 1), await system.ReplayAsync($"eventId={ids[0]}&eventId={Guid.NewGuid()}"));
        Assert.Equal(new ReplayResult(2, 1), await system.ReplayAsync($"failedAfter={Iso(between)}"));
        await system.WaitForQueueDrainedAsync();

        var left = Assert.Single((await system.ListAsync()).Items);
        Assert.Equal(c.EmailId, left.EmailId);
        Assert.Equal(ids[3], left.EventId);
        Assert.Equal(0, await system.Dynamo.EventCountAsync(c.EmailId));
        // The Processor writes both stores at once: the PostgreSQL half of an event DynamoDB refused may already be
        // applied (a replay then completes the other half), but never twice.
        Assert.InRange(await system.Database.ViewCountAsync(c.CustomerId), 0, 1);
        Assert.Equal(2, await system.Dynamo.EventCountAsync(a.EmailId));
        Assert.Equal(1, await system.Dynamo.EmailCounterAsync(a.EmailId, "Clicks"));
        Assert.Equal(1, await system.Dynamo.EventCountAsync(b.EmailId));
        Assert.Equal(1, await system.Dynamo.EventCountAsync(d.EmailId));
        Assert.Equal(1, await system.Database.ViewCountAsync(d.CustomerId));

        Assert.Equal(new ReplayResult(1, 0), await system.ReplayAsync($"failedBefore={Iso(between)}&eventType=Spam"));
        Assert.Equal(1, await system.DeadLetterCountAsync());
    }

    [Fact]
    public async Task Should_purge_only_the_selected_dead_letters_and_then_all_of_them()
    {
        await system.ResetAsync(ProcessorMode.FailingPermanently);
        var a = await system.Database.AddEmailAsync(productCount: 1);
        var b = await system.Database.AddEmailAsync(productCount: 1);
        await system.PostEventsAsync((a.EmailId, Opened), (a.EmailId, Clicked), (b.EmailId, Opened));
        await system.WaitForDeadLettersAsync(3);

        Assert.Equal(new PurgeResult(3, 1), await system.PurgeAsync($"eventType={Clicked}"));
        Assert.DoesNotContain((await system.ListAsync()).Items, l => l.EventType == Clicked);
        using (var unnamed = await system.Admin.DeleteAsync(DeadLetterEndpoints.Route))
            Assert.Equal(HttpStatusCode.BadRequest, unnamed.StatusCode);
        Assert.Equal(2, await system.DeadLetterCountAsync());

        Assert.Equal(new PurgeResult(2, 2), await system.PurgeAsync("all=true"));
        Assert.Equal(0, await system.DeadLetterCountAsync());

        // Purged is gone: a working Processor has nothing to process.
        await system.RunProcessorAsync(ProcessorMode.Working);
        Assert.Equal(new ReplayResult(0, 0), await system.ReplayAsync("all=true"));
        Assert.Equal(0, await system.Dynamo.EventCountAsync(a.EmailId));
        Assert.Equal(0, await system.Dynamo.EventCountAsync(b.EmailId));
    }

    [Fact]
    public async Task Should_lose_nothing_and_count_once_when_the_console_is_killed_in_the_middle_of_a_replay()
    {
        await system.ResetAsync(ProcessorMode.FailingPermanently);
        var emails = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => system.Database.AddEmailAsync(productCount: 1)));
        const int perEmail = 10;
        await system.PostEventsAsync(emails.SelectMany(e => Enumerable.Repeat((e.EmailId, Opened), perEmail)).ToArray());
        const int total = perEmail * 3;
        await system.WaitForDeadLettersAsync(total);
        await system.RunProcessorAsync(ProcessorMode.Working);

        // 5 events/s: the console dies about a second into a replay that would take six.
        var replay = system.Admin.PostAsync($"{DeadLetterEndpoints.Route}/replay?all=true&rate=5", null);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await system.ReadyDeadLetterCountAsync() > total - 5 && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        await system.Console.KillAsync();
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => replay);

        var left = await system.DeadLetterCountAsync();
        Assert.InRange(left, 1, total - 1);

        await system.Console.StartAsync();
        var rest = await system.ReplayAsync("all=true&rate=1000");
        await system.WaitForQueueDrainedAsync();

        Assert.Equal(left, rest.Replayed);
        Assert.Equal(0, await system.DeadLetterCountAsync());
        foreach (var email in emails)
        {
            Assert.Equal(perEmail, await system.Dynamo.EventCountAsync(email.EmailId));
            Assert.Equal(perEmail, await system.Dynamo.EmailCounterAsync(email.EmailId, "Opens"));
            Assert.Equal(perEmail, await system.Database.ViewCountAsync(email.CustomerId));
        }
    }

    [Fact]
    public async Task Should_keep_the_dead_letters_when_the_broker_cannot_take_the_replay()
    {
        await system.ResetAsync(ProcessorMode.FailingPermanently);
        var email = await system.Database.AddEmailAsync(productCount: 1);
        var ids = await system.PostEventsAsync((email.EmailId, Opened), (email.EmailId, Clicked));
        await system.WaitForDeadLettersAsync(2);

        // The main queue is gone (deleted by mistake, say): the copy is unroutable and the broker returns it.
        await system.RunProcessorAsync(ProcessorMode.Stopped);
        await system.Broker.DeleteQueueAsync(DeadLetterFixture.QueueName);
        using (var refused = await system.Admin.PostAsync($"{DeadLetterEndpoints.Route}/replay?all=true", null))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            var problem = await refused.Content.ReadAsStringAsync();
            Assert.Contains("\"replayed\":0", problem, StringComparison.Ordinal);
            Assert.Contains("does not exist", problem, StringComparison.Ordinal);
        }
        var kept = (await system.ListAsync()).Items;
        Assert.Equal(ids.Order(), kept.Select(l => l.EventId!.Value).Order());
        Assert.All(kept, l => Assert.Equal(0, l.Replays));

        // The Processor declares the queue again when it starts; now the replay goes through.
        await system.RunProcessorAsync(ProcessorMode.Working);
        Assert.Equal(new ReplayResult(2, 2), await system.ReplayAsync("all=true"));
        await system.WaitForQueueDrainedAsync();
        Assert.Equal(2, await system.Dynamo.EventCountAsync(email.EmailId));
    }

    [Fact]
    public async Task Should_list_and_replay_an_event_the_broker_dead_lettered_after_its_delivery_limit()
    {
        await system.ResetAsync(ProcessorMode.Stopped);
        var email = await system.Database.AddEmailAsync(productCount: 1);
        var id = Assert.Single(await system.PostEventsAsync((email.EmailId, Opened)));

        // What a consumer that keeps crashing looks like to the broker: each delivery ends unsettled and goes back.
        var deliveries = await DeliverUntilDeadLetteredAsync();
        await system.WaitForDeadLettersAsync(1);

        var letter = await system.ShowAsync(id);
        Assert.Equal(DeadLetterSources.Broker, letter.FailedIn);
        Assert.Contains("delivery limit", letter.Reason, StringComparison.Ordinal);
        // The policy's limit, plus the delivery that went over it; the broker's copy does not say how many it counted.
        Assert.Equal(DeadLetterFixture.DeliveryLimit + 1, deliveries);
        Assert.Null(letter.Attempts);
        Assert.NotNull(letter.LastFailedAt);
        Assert.Null(letter.ExceptionType);

        await system.RunProcessorAsync(ProcessorMode.Working);
        Assert.Equal(new ReplayResult(1, 1), await system.ReplayAsync($"emailId={email.EmailId}"));
        await system.WaitForQueueDrainedAsync();
        Assert.Equal(0, await system.DeadLetterCountAsync());
        Assert.Equal(1, await system.Dynamo.EventCountAsync(email.EmailId));
        Assert.Equal(1, await system.Database.ViewCountAsync(email.CustomerId));
    }

    [Fact]
    public async Task Should_list_show_replay_and_purge_from_the_operators_command_line()
    {
        await system.ResetAsync(ProcessorMode.FailingPermanently);
        var a = await system.Database.AddEmailAsync(productCount: 1);
        var b = await system.Database.AddEmailAsync(productCount: 1);
        var ids = await system.PostEventsAsync((a.EmailId, Opened), (b.EmailId, Clicked));
        await system.WaitForDeadLettersAsync(2);

        var table = await DlqAsync("list");
        Assert.Contains($"{ids[0]}  {Opened}", table, StringComparison.Ordinal);
        Assert.Contains($"{ids[1]}  {Clicked}", table, StringComparison.Ordinal);
        Assert.EndsWith("1-2 of 2 dead letters.\n", table, StringComparison.Ordinal);
        Assert.Contains($"Email id:      {b.EmailId}\n", await DlqAsync("show", ids[1].ToString()), StringComparison.Ordinal);

        await system.RunProcessorAsync(ProcessorMode.Working);
        Assert.Equal("Replayed 1 of 2 dead letters examined (at most 20 events/s).\n", await DlqAsync("replay", "--email", a.EmailId, "--rate", "20"));
        Assert.Equal("Purged 1 of 1 dead letters examined.\n", await DlqAsync("purge", "--ids", ids[1].ToString(), "--yes"));
        await system.WaitForQueueDrainedAsync();
        Assert.Equal(1, await system.Dynamo.EventCountAsync(a.EmailId));
        Assert.Equal(0, await system.Dynamo.EventCountAsync(b.EmailId));
        Assert.Equal(0, await system.DeadLetterCountAsync());

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => DlqAsync(["list"], apiKey: "not-the-admin-key"));
        Assert.Contains("dlq.sh: HTTP 401 Not authorized", refused.Message, StringComparison.Ordinal);
        var unnamed = await Assert.ThrowsAsync<InvalidOperationException>(() => DlqAsync("purge", "--yes"));
        Assert.Contains("name the dead letters", unnamed.Message, StringComparison.Ordinal);
    }

    Task<string> DlqAsync(params string[] args) => DlqAsync(args, DeadLetterFixture.ApiKey);

    /// <summary>Runs deploy/dlq.sh as an operator would; throws with its output when it exits with an error.</summary>
    Task<string> DlqAsync(string[] args, string apiKey) =>
        Command.RunAsync("bash", [Path.Combine(Repository.Root, "deploy", "dlq.sh"), .. args],
            new Dictionary<string, string?> { ["CONSOLE_URL"] = system.Console.BaseAddress.ToString(), ["OPERATOR_KEY"] = apiKey });

    /// <summary>
    /// Consumes the main queue (a quorum queue with single active consumer takes no basic.get) and gives every
    /// delivery back unsettled, until the broker dead-letters the event; returns how often it was delivered.
    /// </summary>
    async Task<int> DeliverUntilDeadLetteredAsync()
    {
        var factory = new ConnectionFactory { Uri = new Uri(system.Environment["ConnectionStrings__RabbitMq"]) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.BasicQosAsync(0, 1, false);
        var deliveries = 0;
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            Interlocked.Increment(ref deliveries);
            await channel.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: true);
        };
        var tag = await channel.BasicConsumeAsync(DeadLetterFixture.QueueName, autoAck: false, consumer);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await channel.QueueDeclarePassiveAsync(DeadLetterFixture.ErrorQueueName)).MessageCount == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Not dead-lettered after {deliveries} deliveries.");
            await Task.Delay(20);
        }
        await channel.BasicCancelAsync(tag);
        return Volatile.Read(ref deliveries);
    }

    async Task<DeadLetter> WaitForReplaysAsync(Guid eventId, int replays)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var items = (await system.ListAsync()).Items;
            if (items.FirstOrDefault(l => l.EventId == eventId && l.Replays == replays) is not null)
                return await system.ShowAsync(eventId);
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Event {eventId} did not come back with {replays} replays: {string.Join("; ", items)}\n{system.Processor?.RecentOutput}");
            await Task.Delay(200);
        }
    }
}
