using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;
using Webhook.Console.Stats;
using Webhook.Tests.Fixtures;

namespace Webhook.Tests.Console.Endpoints;

/// <summary>The statistics endpoints' contract for bad input and for keys: refused before any store is asked.</summary>
public class StatsEndpointTests
{
    [Theory]
    [InlineData("/api/stats/daily?from=2026-13-01&to=2026-12-01", "from")]
    [InlineData("/api/stats/daily?from=2026-11-01&to=yesterday", "to")]
    [InlineData("/api/stats/daily?from=2026-11-02&to=2026-11-01", "to")]
    [InlineData("/api/stats/daily?from=2025-01-01&to=2026-11-01", "from")]
    [InlineData("/api/stats/top?from=2026-11-01&to=2026-11-30&by=views", "by")]
    [InlineData("/api/stats/top?from=2026-11-01&to=2026-11-30&limit=0", "limit")]
    [InlineData("/api/stats/emails/email-1?limit=1001", "limit")]
    [InlineData("/api/stats/emails/email-1?page=not-a-token", "page")]
    [InlineData("/api/stats/emails/email-1?limit=2.5", "limit")]
    [InlineData("/api/stats/emails/", "emailId")]
    [InlineData("/api/stats/top?limit=ten", "limit")]
    [InlineData("/api/export/events?from=2026-11-01&to=2026-11-30&format=xml", "format")]
    [InlineData("/api/export/events?from=11/01/2026", "from")]
    public async Task Should_answer_400_problem_naming_the_parameter_when_the_input_is_bad(string url, string parameter)
    {
        await using var factory = new ConsoleFactory();

        using var response = await factory.ClientWithKey(ConsoleFactory.AnalystKey).GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<ValidationProblemDetails>();
        Assert.Equal([parameter], problem!.Errors.Keys);
    }

    [Fact]
    public async Task Should_answer_400_problem_naming_a_parameter_of_the_wrong_type_in_development_too()
    {
        // Development is where the framework throws binding failures to the exception handler: it answered 500.
        await using var factory = new ConsoleFactory(new() { ["environment"] = "Development" });

        using var response = await factory.ClientWithKey(ConsoleFactory.AnalystKey).GetAsync("/api/stats/top?limit=ten");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<ValidationProblemDetails>();
        Assert.Contains("\"ten\"", Assert.Single(problem!.Errors["limit"]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("wrong-guess-for-this-console-00000000", HttpStatusCode.Unauthorized)]
    public async Task Should_answer_problem_and_read_nothing_when_the_key_is_missing_or_wrong(string? key, HttpStatusCode status)
    {
        await using var factory = new ConsoleFactory();

        using var response = await factory.ClientWithKey(key).GetAsync("/api/stats/daily");

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Should_not_take_the_pages_cookie_for_the_json_api_nor_a_key_for_the_pages()
    {
        await using var factory = new ConsoleFactory();
        var withKey = factory.ClientWithKey(ConsoleFactory.OperatorKey);

        using var page = await withKey.GetAsync("/dead-letters");
        using var api = await factory.ClientWithKey(null).GetAsync("/api/dead-letters");

        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Contains("/sign-in?ReturnUrl=", page.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
    }

    [Theory]
    [InlineData("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"")]
    [InlineData("+1", "'+1")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("email-1001", "email-1001")]
    public void Should_write_csv_fields_a_spreadsheet_reads_as_text(string stored, string written) =>
        Assert.Equal(written, EventExport.Csv(stored));

    [Theory]
    [InlineData(null, null, true)]
    [InlineData("2026-11-01", "2026-11-30", true)]
    [InlineData("2025-11-30", "2026-11-30", true)]
    [InlineData("2025-11-29", "2026-11-30", false)]
    public void Should_allow_ranges_of_at_most_366_days(string? from, string? to, bool allowed)
    {
        var errors = new Dictionary<string, string[]>();

        var range = DateRange.Parse(from, to, new DateOnly(2026, 12, 1), errors);

        Assert.Equal(allowed, range is not null);
        if (from is null)
            Assert.Equal(new DateRange(new DateOnly(2026, 11, 2), new DateOnly(2026, 12, 1)), range);
    }
}
