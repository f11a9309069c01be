using Webhook.Contracts;
using Webhook.Testing;
using Webhook.Tests.Console.Fixtures;

namespace Webhook.Tests.Console.Browser;

/// <summary>What an operator does in Debian's Chromium: find a dead-lettered event, replay it, see it processed.</summary>
[Collection(DeadLetterTestGroup.Name)]
public class OperatorPagesTests(DeadLetterFixture system)
{
    [Fact]
    public async Task Should_find_a_dead_lettered_event_replay_it_and_see_it_processed_when_an_operator_signs_in()
    {
        await system.ResetAsync(ProcessorMode.FailingPermanently);
        var email = await system.Database.AddEmailAsync(productCount: 1);
        var other = await system.Database.AddEmailAsync(productCount: 1);
        var ids = await system.PostEventsAsync((email.EmailId, EmailEventTypes.Opened), (other.EmailId, EmailEventTypes.Clicked));
        await system.WaitForDeadLettersAsync(2);
        var page = await system.Browser.NewPageAsync(system.Console.BaseAddress);
        await Fixtures.Browser.SignInAsync(page, DeadLetterFixture.ApiKey);

        // The event lookup says where it is, and why.
        await page.GotoAsync($"/events?id={ids[0]}");
        Assert.Equal("dead-lettered", await page.Locator("#event-status").InnerTextAsync());
        await Fixtures.Browser.ScreenshotAsync(page, "event-lookup");

        // The dead letters list it; its page says why it failed.
        await page.GotoAsync("/dead-letters");
        Assert.Equal(2, await page.Locator("#dead-letters tbody tr").CountAsync());
        await Fixtures.Browser.ScreenshotAsync(page, "dead-letters");
        await page.ClickAsync($"a:text-is('{ids[0]}')");
        Assert.Contains("ValidationError", await page.Locator("#reason").InnerTextAsync(), StringComparison.Ordinal);
        await Fixtures.Browser.ScreenshotAsync(page, "dead-letter");

        // Fixed: replay the one selected, watch the replay finish.
        await system.RunProcessorAsync(ProcessorMode.Working);
        await page.GotoAsync("/dead-letters");
        await page.CheckAsync($"tr[data-event-id='{ids[0]}'] input[type=checkbox]");
        await page.ClickAsync("#replay-selected");
        await page.WaitForURLAsync("**/dead-letters/replays/**");
        await page.Locator("#replay[data-finished=true]").WaitForAsync();
        Assert.Equal("1", await page.Locator("#replayed").InnerTextAsync());
        await Fixtures.Browser.ScreenshotAsync(page, "replay");

        // Processed, once; the other one is still a dead letter.
        await system.WaitForQueueDrainedAsync();
        await page.GotoAsync($"/events?id={ids[0]}");
        Assert.Equal("processed", await page.Locator("#event-status").InnerTextAsync());
        Assert.Equal(1, await system.Dynamo.EventCountAsync(email.EmailId));
        Assert.Equal(1, await system.Database.ViewCountAsync(email.CustomerId));
        await page.GotoAsync("/dead-letters");
        Assert.Equal(1, await page.Locator("#dead-letters tbody tr").CountAsync());
        Assert.Equal(1, await page.Locator($"tr[data-event-id='{ids[1]}']").CountAsync());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Should_purge_only_after_the_operator_types_purge()
    {
        await system.ResetAsync(ProcessorMode.FailingPermanently);
        var email = await system.Database.AddEmailAsync(productCount: 1);
        var ids = await system.PostEventsAsync((email.EmailId, EmailEventTypes.Spam));
        await system.WaitForDeadLettersAsync(1);
        var page = await system.Browser.NewPageAsync(system.Console.BaseAddress);
        await Fixtures.Browser.SignInAsync(page, DeadLetterFixture.ApiKey);

        await page.GotoAsync($"/dead-letters/purge?eventId={ids[0]}");
        await page.ClickAsync("button.danger");
        Assert.Contains("type purge to confirm", await page.Locator("[role=alert]").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(1, await system.DeadLetterCountAsync());

        await page.FillAsync("input[name=confirmation]", "purge");
        await page.ClickAsync("button.danger");
        Assert.Equal("Purged 1 of 1 dead letters examined.", await page.Locator("#purged").InnerTextAsync());
        Assert.Equal(0, await system.DeadLetterCountAsync());
        await page.Context.CloseAsync();
    }
}
