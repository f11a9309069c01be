using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Webhook.Console.Endpoints;
using Webhook.Console.Events;
using Webhook.Console.Stats;
using Webhook.Contracts;
using Webhook.Tests.Console.Fixtures;

namespace Webhook.Tests.Console.Api;

/// <summary>
/// The console's JSON API over what went through the real pipeline: the daily counts, an email's totals, the top
/// lists, the export and an event's whereabouts agree with the events sent.
/// </summary>
[Collection(ConsoleTestGroup.Name)]
public class StatisticsApiTests(ConsoleFixture fixture)
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Should_count_each_type_on_each_day_as_sent_when_events_went_through_the_pipeline()
    {
        var daily = await fixture.Analyst.GetFromJsonAsync<DailyCounts>($"/api/stats/daily?{fixture.Range}", Json);

        Assert.Equal(fixture.Days, daily!.Days.Select(d => d.Day));
        Assert.Equal([EmailEventTypes.Opened, EmailEventTypes.Clicked, EmailEventTypes.Spam], daily.Types);
        foreach (var day in daily.Days)
        {
            foreach (var type in daily.Types)
                Assert.Equal(fixture.Count(day.Day, type), day.Counts.GetValueOrDefault(type));
        }
        Assert.Equal(fixture.Sent.Count, daily.Totals.Values.Sum());

        // Days before what was sent count nothing.
        var before = await fixture.Analyst.GetFromJsonAsync<DailyCounts>(
            $"/api/stats/daily?from={fixture.Days[0].AddDays(-5):yyyy-MM-dd}&to={fixture.Days[0].AddDays(-1):yyyy-MM-dd}", Json);
        Assert.All(before!.Days, d => Assert.Empty(d.Counts));
    }

    [Fact]
    public async Task Should_give_an_emails_totals_and_its_events_in_time_order_page_by_page()
    {
        var sent = fixture.Sent.Where(e => e.EmailId == fixture.EmailA).OrderBy(e => e.At).ToList();
        var first = await fixture.Analyst.GetFromJsonAsync<EmailStatisticsPage>($"/api/stats/emails/{fixture.EmailA}?limit=3", Json);

        Assert.Equal(sent.Count, first!.Events);
        Assert.Equal(fixture.Count(type: EmailEventTypes.Opened, email: fixture.EmailA), first.Opens);
        Assert.Equal(fixture.Count(type: EmailEventTypes.Clicked, email: fixture.EmailA), first.Clicks);
        Assert.Equal(0, first.SpamReports);
        var opens = sent.Where(e => e.Type == EmailEventTypes.Opened).ToList();
        Assert.Equal(opens[0].At, first.FirstOpenedAt);
        Assert.Equal(opens[^1].At, first.LastOpenedAt);

        var events = new List<StoredEvent>(first.Items);
        var next = first.Next;
        while (next is not null)
        {
            var page = await fixture.Analyst.GetFromJsonAsync<EmailStatisticsPage>($"/api/stats/emails/{fixture.EmailA}?limit=3&page={next}", Json);
            events.AddRange(page!.Items);
            next = page.Next;
        }
        Assert.Equal(sent.Select(e => e.EventId), events.Select(e => e.EventId));
        Assert.Equal(sent.Select(e => e.At), events.Select(e => e.OccurredAt));
    }

    [Fact]
    public async Task Should_find_an_email_whose_id_holds_a_slash_escaped_or_not()
    {
        var escaped = await fixture.Analyst.GetFromJsonAsync<EmailStatisticsPage>($"/api/stats/emails/{Uri.EscapeDataString(fixture.EmailD)}", Json);
        var plain = await fixture.Analyst.GetFromJsonAsync<EmailStatisticsPage>($"/api/stats/emails/{fixture.EmailD.Replace("<", "%3C", StringComparison.Ordinal).Replace(">", "%3E", StringComparison.Ordinal)}", Json);

        Assert.Equal(fixture.EmailD, escaped!.EmailId);
        Assert.Equal(2, escaped.SpamReports);
        Assert.Equal(escaped.SpamReports, plain!.SpamReports);
    }

    [Fact]
    public async Task Should_answer_404_problem_when_the_email_was_never_counted()
    {
        using var response = await fixture.Analyst.GetAsync($"/api/stats/emails/{fixture.Prefix}-never");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("opens", EmailEventTypes.Opened)]
    [InlineData("clicks", EmailEventTypes.Clicked)]
    [InlineData("spam", EmailEventTypes.Spam)]
    public async Task Should_rank_the_emails_by_the_events_sent_when_asked_for_a_range(string by, string type)
    {
        var top = await fixture.Analyst.GetFromJsonAsync<TopEmails>($"/api/stats/top?{fixture.Range}&by={by}&limit=10", Json);
        // Only the last day: what happened before it is not counted.
        var lastDay = await fixture.Analyst.GetFromJsonAsync<TopEmails>(
            $"/api/stats/top?from={fixture.Days[^1]:yyyy-MM-dd}&to={fixture.Days[^1]:yyyy-MM-dd}&by={by}", Json);

        Assert.Equal(Expected(type, fixture.Days[0], fixture.Days[^1]), top!.Items);
        Assert.Equal(Expected(type, fixture.Days[^1], fixture.Days[^1]), lastDay!.Items);
    }

    [Fact]
    public async Task Should_find_the_same_top_lists_when_walking_the_ranked_emails_as_when_counting_every_event()
    {
        // Few events: the console counts them one by one. The walk of the ranked emails, what it does for a range with
        // many events, must find the same lists.
        var tables = fixture.System.Dynamo;
        var walking = new StatisticsReader(tables.Client, tables.Tables, countedTopLimit: 0);
        foreach (var (_, ranking) in StatsEndpoints.TopBy)
        {
            foreach (var (from, to) in new[] { (fixture.Days[0], fixture.Days[^1]), (fixture.Days[0], fixture.Days[0]), (fixture.Days[1], fixture.Days[1]), (fixture.Days[2], fixture.Days[2]) })
            {
                for (var limit = 1; limit <= 3; limit++)
                {
                    var walked = await walking.TopAsync(from, to, ranking.EventType, ranking.Counter, limit, CancellationToken.None);
                    Assert.Equal(Expected(ranking.EventType, from, to).Take(limit), walked.Items);
                    Assert.NotEqual("counted", walked.Method);
                }
            }
        }
    }

    [Fact]
    public async Task Should_export_every_event_of_the_range_as_csv_and_as_ndjson()
    {
        var csv = await fixture.Analyst.GetStringAsync($"/api/export/events?{fixture.Range}&format=csv");
        var ndjson = await fixture.Analyst.GetStringAsync($"/api/export/events?{fixture.Range}&format=ndjson");

        var rows = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(string.Join(',', EventExport.Columns), rows[0]);
        var fromCsv = rows.Skip(1).Select(r => r.Split(','))
            .Select(c => (Guid.Parse(c[0]), c[1], c[2], DateTimeOffset.Parse(c[3], CultureInfo.InvariantCulture))).ToList();
        var fromJson = ndjson.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonSerializer.Deserialize<StoredEvent>(l, Json)!).ToList();
        var sent = fixture.Sent.OrderBy(e => e.At).Select(e => (e.EventId, e.EmailId, e.Type, e.At)).ToList();

        Assert.Equal(sent, fromCsv);
        Assert.Equal(sent, fromJson.Select(e => (e.EventId, e.EmailId, e.EventType, e.OccurredAt)).ToList());
        Assert.All(fromJson, e => Assert.Equal("standard", e.Provider));
    }

    [Fact]
    public async Task Should_say_an_event_is_processed_and_answer_404_when_no_store_knows_it()
    {
        var sent = fixture.Sent[0];

        var location = await fixture.Operator.GetFromJsonAsync<EventLocation>($"/api/events/{sent.EventId}", Json);
        using var unknown = await fixture.Operator.GetAsync($"/api/events/{Guid.NewGuid()}");
        using var asAnalyst = await fixture.Analyst.GetAsync($"/api/events/{sent.EventId}");

        Assert.Equal("processed", location!.Status);
        Assert.Equal(sent.EmailId, location.Counted!.EmailId);
        Assert.Equal(sent.Type, location.Applied!.EventType);
        Assert.Null(location.DeadLetter);
        Assert.Equal(0, location.Queue!.Waiting);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("wait in", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, asAnalyst.StatusCode);
    }

    [Fact]
    public async Task Should_describe_every_route_and_the_key_in_the_openapi_document()
    {
        using var anonymous = new HttpClient { BaseAddress = fixture.ConsoleAddress };
        using var document = JsonDocument.Parse(await anonymous.GetStringAsync("/openapi/v1.json"));

        var paths = document.RootElement.GetProperty("paths");
        foreach (var path in new[] { "/api/stats/daily", "/api/stats/emails/{emailId}", "/api/stats/top", "/api/export/events", "/api/events/{eventId}", "/api/dead-letters", "/api/dead-letters/replay", "/api/set-aside" })
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is not in the document");
        var scheme = document.RootElement.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        Assert.Equal("X-Api-Key", scheme.GetProperty("name").GetString());
    }

    EmailCount[] Expected(string type, DateOnly from, DateOnly to) => fixture.Sent
        .Where(e => e.Type == type && DateOnly.FromDateTime(e.At.UtcDateTime) >= from && DateOnly.FromDateTime(e.At.UtcDateTime) <= to)
        .GroupBy(e => e.EmailId).Select(g => new EmailCount(g.Key, g.Count())).OrderByDescending(e => e.Count).ToArray();
}
