using System.Globalization;
using Webhook.Contracts;
using Webhook.Tests.Console.Fixtures;

namespace Webhook.Tests.Console.Browser;

/// <summary>What an analyst sees in Debian's Chromium, over the events sent through the real pipeline.</summary>
[Collection(ConsoleTestGroup.Name)]
public class AnalystPagesTests(ConsoleFixture fixture)
{
    [Fact]
    public async Task Should_draw_a_bar_per_day_and_type_as_high_as_its_count_when_an_analyst_opens_the_dashboard()
    {
        var page = await fixture.Browser.NewPageAsync(fixture.ConsoleAddress);
        await page.GotoAsync("/sign-in");
        await Fixtures.Browser.ScreenshotAsync(page, "sign-in");
        await Fixtures.Browser.SignInAsync(page, ConsoleFixture.AnalystKey);
        Assert.Equal("analyst", await page.Locator("[data-role]").GetAttributeAsync("data-role"));

        await page.GotoAsync($"/?{fixture.Range}&by=opens");
        // The stylesheet comes from the console itself.
        Assert.Equal("rgb(29, 35, 48)", await page.EvaluateAsync<string>("getComputedStyle(document.querySelector('header')).backgroundColor"));
        var bars = page.Locator("svg.chart rect.bar");
        var drawn = new List<(string Day, string Type, long Count, float Height)>();
        for (var i = 0; i < await bars.CountAsync(); i++)
        {
            var bar = bars.Nth(i);
            var box = await bar.BoundingBoxAsync();
            drawn.Add((await bar.GetAttributeAsync("data-day") ?? "", await bar.GetAttributeAsync("data-type") ?? "",
                long.Parse(await bar.GetAttributeAsync("data-count") ?? "0", CultureInfo.InvariantCulture), box!.Height));
        }

        // One bar for each day and type that had events, saying the count sent.
        var expected = fixture.Sent.GroupBy(e => (Day: e.At.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), e.Type))
            .ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(expected.OrderBy(e => e.Key).ToList(), drawn.ToDictionary(d => (d.Day, d.Type), d => d.Count).OrderBy(e => e.Key).ToList());
        // Drawn as high as that count: the height per event is the same for every bar (to the pixel's rounding).
        var perEvent = drawn.Max(d => d.Height) / drawn.Max(d => d.Count);
        Assert.All(drawn, d => Assert.InRange(d.Height, d.Count * perEvent - 1.5, d.Count * perEvent + 1.5));
        Assert.True(drawn.Single(d => d.Count == drawn.Max(m => m.Count)).Height > 100, "the tallest bar is drawn at full height");

        // The totals and the top emails say the same.
        Assert.Equal(fixture.Count(type: EmailEventTypes.Opened).ToString(CultureInfo.InvariantCulture),
            await page.Locator($"#totals td[data-type={EmailEventTypes.Opened}]").InnerTextAsync());
        var topEmails = await page.Locator("#top tbody tr td:nth-child(2)").AllInnerTextsAsync();
        Assert.Equal([fixture.EmailA, fixture.EmailB, fixture.EmailC], topEmails);
        await Fixtures.Browser.ScreenshotAsync(page, "dashboard");

        // An email's page, from the top list.
        await page.ClickAsync($"#top a:text-is('{fixture.EmailA}')");
        await page.WaitForURLAsync($"**/emails/{fixture.EmailA}");
        Assert.Equal(fixture.Count(email: fixture.EmailA).ToString(CultureInfo.InvariantCulture), await page.Locator("[data-total=events]").InnerTextAsync());
        Assert.Equal(fixture.Count(email: fixture.EmailA, type: EmailEventTypes.Opened).ToString(CultureInfo.InvariantCulture),
            await page.Locator("[data-total=opens]").InnerTextAsync());
        Assert.Equal((int)fixture.Count(email: fixture.EmailA), await page.Locator("#email-events tbody tr").CountAsync());
        await Fixtures.Browser.ScreenshotAsync(page, "email");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Should_show_an_email_id_that_is_markup_as_text_on_every_page()
    {
        var page = await fixture.Browser.NewPageAsync(fixture.ConsoleAddress);
        var dialogs = 0;
        page.Dialog += (_, dialog) =>
        {
            dialogs++;
            _ = dialog.DismissAsync();
        };
        await Fixtures.Browser.SignInAsync(page, ConsoleFixture.AnalystKey);

        await page.GotoAsync($"/?{fixture.Range}&by=spam");
        Assert.Equal(fixture.EmailD, await page.Locator("#top tbody tr:first-child td:nth-child(2)").InnerTextAsync());
        await page.ClickAsync("#top tbody tr:first-child a");
        await page.Locator("[data-total=spam]").WaitForAsync();

        Assert.Contains(fixture.EmailD, await page.Locator("h1").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("2", await page.Locator("[data-total=spam]").InnerTextAsync());
        Assert.Equal(0, await page.Locator("main script").CountAsync());
        Assert.Equal(0, dialogs);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Should_not_let_an_analyst_reach_the_dead_letters_or_the_event_lookup()
    {
        var page = await fixture.Browser.NewPageAsync(fixture.ConsoleAddress);
        await Fixtures.Browser.SignInAsync(page, ConsoleFixture.AnalystKey);

        Assert.Equal(0, await page.Locator("nav a[href='/dead-letters']").CountAsync());
        var deadLetters = await page.GotoAsync("/dead-letters");
        Assert.Equal(403, deadLetters!.Status);
        Assert.Contains("for operators", await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#dead-letters").CountAsync());
        var lookup = await page.GotoAsync($"/events?id={fixture.Sent[0].EventId}");
        Assert.Equal(403, lookup!.Status);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Should_stay_signed_out_and_say_why_when_the_key_is_wrong()
    {
        var page = await fixture.Browser.NewPageAsync(fixture.ConsoleAddress);
        await Fixtures.Browser.SignInAsync(page, "not-a-key-of-this-console-at-all-0000");

        Assert.Contains("not a key", await page.Locator("[role=alert]").InnerTextAsync(), StringComparison.Ordinal);
        var dashboard = await page.GotoAsync("/");
        Assert.EndsWith("/sign-in?ReturnUrl=%2F", dashboard!.Url, StringComparison.Ordinal);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Should_show_the_api_reference_page_with_no_internet()
    {
        var page = await fixture.Browser.NewPageAsync(fixture.ConsoleAddress);
        var outside = new List<string>();
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(fixture.ConsoleAddress.ToString().TrimEnd('/'), StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal))
                outside.Add(request.Url);
        };

        await page.GotoAsync("/scalar");
        await page.GetByText("/api/stats/daily").First.WaitForAsync();
        await Fixtures.Browser.ScreenshotAsync(page, "api-reference", fullPage: false);

        Assert.Empty(outside);
        await page.Context.CloseAsync();
    }
}
