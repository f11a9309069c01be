using System.Net;
using Webhook.Contracts;
using Webhook.Testing;
using Webhook.Tests.System.Fixtures;

namespace Webhook.Tests.System;

/// <summary>Signed HTTP requests through the API and RabbitMQ into PostgreSQL and DynamoDB, on the real servers.</summary>
[Collection(PipelineTestGroup.Name)]
public class PipelineTests(PipelineFixture fixture)
{
    readonly RunningSystem pipeline = fixture.System;

    static string Json(string emailId, string type, DateTimeOffset? at = null) =>
        $$"""{"emailId":"{{emailId}}","eventType":"{{type}}"{{(at is { } t ? $",\"occurredAt\":\"{t:O}\"" : "")}}}""";

    Task<int> ViewCountAsync(int customerId) => pipeline.Database.ViewCountAsync(customerId);

    [Fact]
    public async Task Should_apply_and_count_signed_events_in_both_stores()
    {
        var a = await pipeline.Database.AddEmailAsync(productCount: 2);
        var b = await pipeline.Database.AddEmailAsync(productCount: 3);
        var at = new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

        var status = await pipeline.PostAsync($"[{Json(a.EmailId, "Opened", at)},{Json(a.EmailId, "Clicked", at.AddMinutes(1))},{Json(b.EmailId, "opened", at)},{Json(b.EmailId, "Spam", at.AddMinutes(2))}]");
        Assert.Equal(HttpStatusCode.Accepted, status);
        await pipeline.WaitUntilAsync(async () => await ViewCountAsync(a.CustomerId) + await ViewCountAsync(b.CustomerId) == 2 * 2 + 3
            && await pipeline.Dynamo.EventCountAsync(b.EmailId) == 2, "all four events applied and counted");
        await pipeline.SettleAsync();

        Assert.Equal(1, await pipeline.Dynamo.EmailCounterAsync(a.EmailId, "Opens"));
        Assert.Equal(1, await pipeline.Dynamo.EmailCounterAsync(a.EmailId, "Clicks"));
        Assert.Equal(2, await pipeline.Dynamo.EmailCounterAsync(a.EmailId, "Events"));
        Assert.Equal(1, await pipeline.Dynamo.EmailCounterAsync(b.EmailId, "SpamReports"));
        Assert.Equal(2, await pipeline.Dynamo.EventCountAsync(b.EmailId));

        Assert.Equal(2 * 2, await ViewCountAsync(a.CustomerId));
        Assert.Equal(3, await ViewCountAsync(b.CustomerId));
        Assert.Equal(1, await pipeline.Database.ScalarAsync<int>("SELECT count(*)::int FROM email_clicks WHERE email_id = $1", default, a.EmailId));
        Assert.Equal(at.AddMinutes(2), await pipeline.Database.ScalarAsync<DateTimeOffset>("SELECT complained_at FROM customers WHERE id = $1", default, b.CustomerId));
    }

    [Fact]
    public async Task Should_count_once_when_the_provider_delivers_the_same_webhook_twice()
    {
        var email = await pipeline.Database.AddEmailAsync(productCount: 2);
        var body = $"[{Json(email.EmailId, "Opened")},{Json(email.EmailId, "Clicked")}]";

        Assert.Equal(HttpStatusCode.Accepted, await pipeline.PostAsync(body, webhookId: "msg_twice_" + email.EmailId));
        Assert.Equal(HttpStatusCode.Accepted, await pipeline.PostAsync(body, webhookId: "msg_twice_" + email.EmailId));
        await pipeline.WaitUntilAsync(async () => await pipeline.Dynamo.EventCountAsync(email.EmailId) >= 2 && await ViewCountAsync(email.CustomerId) >= 4, "the events applied");
        await pipeline.SettleAsync();

        Assert.Equal(2, await pipeline.Dynamo.EmailCounterAsync(email.EmailId, "Events"));
        Assert.Equal(2, await pipeline.Dynamo.EventCountAsync(email.EmailId));
        Assert.Equal(2 * 2, await ViewCountAsync(email.CustomerId));
    }

    [Fact]
    public async Task Should_count_once_when_the_broker_delivers_the_same_message_twice()
    {
        var email = await pipeline.Database.AddEmailAsync(productCount: 1);
        var message = new EmailEventReceived
        {
            EventId = Guid.NewGuid(),
            EmailId = email.EmailId,
            EventType = EmailEventTypes.Opened,
            OccurredAt = DateTimeOffset.UtcNow,
            ReceivedAt = DateTimeOffset.UtcNow,
            Provider = "standard",
        };

        // What a redelivery looks like to the consumer: the same message, with the same id, a second time.
        await pipeline.PublishDirectlyAsync(message, message);
        await pipeline.WaitUntilAsync(async () => await ViewCountAsync(email.CustomerId) >= 1, "the event applied");
        await pipeline.SettleAsync();

        Assert.Equal(1, await pipeline.Dynamo.EmailCounterAsync(email.EmailId, "Opens"));
        Assert.Equal(1, await ViewCountAsync(email.CustomerId));
    }

    [Fact]
    public async Task Should_lose_nothing_when_the_processor_is_stopped_in_the_middle_of_a_stream()
    {
        var emails = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => pipeline.Database.AddEmailAsync(productCount: 1)));
        const int requests = 60;
        const int eventsPerRequest = 5;

        async Task SendAsync(int from, int to)
        {
            await Parallel.ForEachAsync(Enumerable.Range(from, to - from), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
            {
                var email = emails[i % emails.Length];
                var body = "[" + string.Join(",", Enumerable.Repeat(Json(email.EmailId, "Opened"), eventsPerRequest)) + "]";
                Assert.Equal(HttpStatusCode.Accepted, await pipeline.PostAsync(body));
            });
        }

        await SendAsync(0, requests / 3);
        await pipeline.Processor.StopAsync();
        await SendAsync(requests / 3, 2 * requests / 3);
        await pipeline.Processor.StartAsync();
        await SendAsync(2 * requests / 3, requests);
        var expectedPerEmail = requests / emails.Length * eventsPerRequest;
        await pipeline.WaitUntilAsync(async () => (await Task.WhenAll(emails.Select(e => ViewCountAsync(e.CustomerId)))).Sum() >= expectedPerEmail * emails.Length,
            "every event applied");
        await pipeline.SettleAsync();

        foreach (var email in emails)
        {
            Assert.Equal(expectedPerEmail, await pipeline.Dynamo.EmailCounterAsync(email.EmailId, "Opens"));
            Assert.Equal(expectedPerEmail, await pipeline.Dynamo.EventCountAsync(email.EmailId));
            Assert.Equal(expectedPerEmail, await ViewCountAsync(email.CustomerId));
        }
    }

    [Fact]
    public async Task Should_start_again_without_a_migration_process_when_the_database_has_every_migration()
    {
        await pipeline.Processor.StopAsync();
        await pipeline.Processor.StartAsync();

        var sinceStart = pipeline.Processor.OutputSinceStart;
        Assert.Contains(sinceStart, line => line.Contains($"already has migration {Webhook.Processor.Data.SchemaMigration.Newest}", StringComparison.Ordinal));
        Assert.DoesNotContain(sinceStart, line => line.Contains("Migrating the database", StringComparison.Ordinal));

        var email = await pipeline.Database.AddEmailAsync(productCount: 1);
        Assert.Equal(HttpStatusCode.Accepted, await pipeline.PostAsync($"[{Json(email.EmailId, "Clicked")}]"));
        await pipeline.WaitUntilAsync(async () => await ViewCountAsync(email.CustomerId) == 1, "the event applied by the Processor started again");
    }

    [Fact]
    public async Task Should_consume_in_a_process_that_has_loaded_nothing_of_ef_core()
    {
        var email = await pipeline.Database.AddEmailAsync(productCount: 1);
        Assert.Equal(HttpStatusCode.Accepted, await pipeline.PostAsync($"[{Json(email.EmailId, "Clicked")}]"));
        await pipeline.WaitUntilAsync(async () => await ViewCountAsync(email.CustomerId) == 1, "the event applied");

        // The database it works on was migrated by its --migrate process, which has exited.
        Assert.Equal(typeof(Webhook.Processor.Data.WebhookDbContext).Assembly.GetTypes().Count(t => t.IsSubclassOf(typeof(Microsoft.EntityFrameworkCore.Migrations.Migration))),
            await pipeline.Database.ScalarAsync<int>("""SELECT count(*)::int FROM "__EFMigrationsHistory" """));
        var mapped = await File.ReadAllLinesAsync($"/proc/{pipeline.Processor.Pid}/maps");
        Assert.Contains(mapped, line => line.EndsWith("/Webhook.Processor.dll", StringComparison.Ordinal));
        Assert.DoesNotContain(mapped, line => line.Contains("Microsoft.EntityFrameworkCore", StringComparison.Ordinal));
    }
}
