using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Webhook.Console.Endpoints;
using Webhook.Console.Security;
using Webhook.Contracts;
using Webhook.Messaging;
using Webhook.Messaging.DeadLetters;
using Webhook.Messaging.SetAside;
using Webhook.Tests.Fixtures;

namespace Webhook.Tests.Console.Endpoints;

/// <summary>The dead-letter endpoints' contract — who gets in, what a request may ask, what it answers — over a recording fake of the queue.</summary>
public class DeadLetterEndpointTests
{
    const string ApiKey = ConsoleFactory.OperatorKey;
    const string Route = DeadLetterEndpoints.Route;

    static readonly DeadLetter Letter = new()
    {
        EventId = Guid.Parse("0b9c4f6e-7d21-8a3b-9c4d-5e6f7a8b9c0d"),
        EventType = "Opened",
        EmailId = "email-1001",
        Provider = "standard",
        Reason = "Cannot do operations on a non-existent table",
        FailedIn = DeadLetterSources.Processor,
        Attempts = 3,
        Replays = 1,
        FirstFailedAt = new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero),
        LastFailedAt = new DateTimeOffset(2026, 11, 26, 9, 30, 0, TimeSpan.Zero),
        ExceptionType = "Amazon.DynamoDBv2.Model.ResourceNotFoundException",
        StackTrace = "   at Somewhere()",
    };

    static ConsoleFactory Factory(RecordingDeadLetters deadLetters, string? apiKey = ApiKey, LogCapture? log = null) => new(
        new() { ["Console:OperatorKey"] = apiKey ?? "" },
        configureServices: s =>
        {
            s.AddSingleton<IDeadLetters>(deadLetters);
            if (log is not null)
                s.AddSingleton<ILoggerProvider>(log);
        });

    static HttpClient AdminClient(ConsoleFactory factory, string? key = ApiKey) => factory.ClientWithKey(key);

    [Fact]
    public async Task Should_refuse_every_request_and_say_so_once_when_no_operator_key_is_configured()
    {
        var log = new LogCapture();
        var deadLetters = new RecordingDeadLetters();
        await using var factory = Factory(deadLetters, apiKey: null, log: log);
        var client = AdminClient(factory, key: "");

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync(Route)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsync($"{Route}/replay?all=true", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.DeleteAsync($"{Route}?all=true")).StatusCode);
        Assert.Single(log.Messages, m => m == "The operator role is disabled: Console:OperatorKey is not set");
        Assert.Empty(deadLetters.Calls);
    }

    [Fact]
    public async Task Should_answer_403_problem_and_touch_nothing_when_the_key_is_the_analysts()
    {
        var deadLetters = new RecordingDeadLetters();
        await using var factory = Factory(deadLetters);
        var analyst = AdminClient(factory, ConsoleFactory.AnalystKey);

        foreach (var request in new[]
                 {
                     new HttpRequestMessage(HttpMethod.Get, Route),
                     new HttpRequestMessage(HttpMethod.Get, $"{Route}/{Letter.EventId}"),
                     new HttpRequestMessage(HttpMethod.Post, $"{Route}/replay?all=true"),
                     new HttpRequestMessage(HttpMethod.Delete, $"{Route}?all=true"),
                     new HttpRequestMessage(HttpMethod.Get, SetAsideEndpoints.Route),
                     new HttpRequestMessage(HttpMethod.Get, $"{EventEndpoints.Route}/{Letter.EventId}"),
                 })
        {
            using var response = await analyst.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        Assert.Empty(deadLetters.Calls);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("endpoint-tests-admin-key-0123456789abcdeF")]
    [InlineData("endpoint-tests-admin-key-0123456789abcdef0")]
    [InlineData("endpoint-tests-admin-key")]
    public async Task Should_answer_401_problem_and_touch_nothing_when_the_api_key_is_missing_or_wrong(string? key)
    {
        var deadLetters = new RecordingDeadLetters();
        await using var factory = Factory(deadLetters);
        var client = AdminClient(factory, key);

        foreach (var request in new[]
                 {
                     new HttpRequestMessage(HttpMethod.Get, Route),
                     new HttpRequestMessage(HttpMethod.Get, $"{Route}/{Letter.EventId}"),
                     new HttpRequestMessage(HttpMethod.Post, $"{Route}/replay?all=true"),
                     new HttpRequestMessage(HttpMethod.Delete, $"{Route}?all=true"),
                 })
        {
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        Assert.Empty(deadLetters.Calls);
    }

    [Fact]
    public async Task Should_list_with_reason_attempts_and_failure_times_when_the_api_key_is_right()
    {
        var deadLetters = new RecordingDeadLetters { Page = new DeadLetterPage(7, 5, [Letter]) };
        await using var factory = Factory(deadLetters);

        var list = await AdminClient(factory).GetFromJsonAsync<DeadLetterList>($"{Route}?limit=1&offset=5");

        Assert.Equal("List 5 1", Assert.Single(deadLetters.Calls));
        Assert.Equal(7, list!.Total);
        Assert.Equal(1, list.Count);
        Assert.Equal(DeadLetterSummary.Of(Letter), Assert.Single(list.Items));
    }

    [Fact]
    public async Task Should_list_a_readable_table_when_the_client_asks_for_text()
    {
        await using var factory = Factory(new RecordingDeadLetters { Page = new DeadLetterPage(3, 0, [Letter]) });
        using var request = new HttpRequestMessage(HttpMethod.Get, Route);
        request.Headers.Accept.ParseAdd("text/plain");

        using var response = await AdminClient(factory).SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("EVENT ID", lines[0], StringComparison.Ordinal);
        Assert.Contains($"{Letter.EventId}  Opened", lines[1], StringComparison.Ordinal);
        Assert.Contains("2026-11-26 08:00:00  2026-11-26 09:30:00  Cannot do operations", lines[1], StringComparison.Ordinal);
        Assert.Equal("1-1 of 3 dead letters; next page: offset 1.", lines[2]);
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=1001")]
    [InlineData("offset=-1")]
    public async Task Should_refuse_a_page_out_of_bounds(string query)
    {
        var deadLetters = new RecordingDeadLetters();
        await using var factory = Factory(deadLetters);

        using var response = await AdminClient(factory).GetAsync($"{Route}?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(deadLetters.Calls);
    }

    [Fact]
    public async Task Should_show_one_with_its_exception_and_answer_404_problem_for_an_unknown_event()
    {
        await using var factory = Factory(new RecordingDeadLetters { Found = Letter });
        var client = AdminClient(factory);

        var shown = await client.GetFromJsonAsync<DeadLetter>($"{Route}/{Letter.EventId}");
        Assert.Equal(Letter.ExceptionType, shown!.ExceptionType);
        Assert.Equal(Letter.StackTrace, shown.StackTrace);

        using var missing = await client.GetAsync($"{Route}/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("POST", "replay")]
    [InlineData("DELETE", "")]
    public async Task Should_refuse_a_replay_or_purge_that_names_nothing_or_contradicts_itself(string method, string path)
    {
        var deadLetters = new RecordingDeadLetters();
        await using var factory = Factory(deadLetters);
        var client = AdminClient(factory);
        var url = $"{Route}/{path}".TrimEnd('/');

        foreach (var query in new[] { "", "?all=false", "?all=true&eventType=Opened", "?failedAfter=2026-11-26T10:00:00Z&failedBefore=2026-11-26T09:00:00Z", "?eventId=not-a-guid" })
        {
            using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), url + query));
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{method} {url}{query}: {response.StatusCode}");
        }
        Assert.Empty(deadLetters.Calls);
    }

    [Theory]
    [InlineData("GET", "/api/dead-letters?limit=many", "limit")]
    [InlineData("GET", "/api/dead-letters?offset=-", "offset")]
    [InlineData("POST", "/api/dead-letters/replay?eventId=not-a-guid", "eventId")]
    [InlineData("DELETE", "/api/dead-letters?failedAfter=yesterday", "failedAfter")]
    [InlineData("POST", "/api/dead-letters/replay?all=yes", "all")]
    [InlineData("GET", "/api/set-aside?limit=all", "limit")]
    [InlineData("DELETE", "/api/set-aside?id=zzz", "id")]
    public async Task Should_answer_400_problem_naming_a_parameter_of_the_wrong_type_and_touch_nothing(string method, string url, string parameter)
    {
        var deadLetters = new RecordingDeadLetters();
        await using var factory = Factory(deadLetters);

        using var response = await AdminClient(factory).SendAsync(new HttpRequestMessage(new HttpMethod(method), url));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<ValidationProblemDetails>();
        Assert.Equal([parameter], problem!.Errors.Keys);
        Assert.Empty(deadLetters.Calls);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("0.05")]
    [InlineData("10001")]
    [InlineData("NaN")]
    public async Task Should_refuse_a_replay_rate_out_of_bounds(string rate)
    {
        var deadLetters = new RecordingDeadLetters();
        await using var factory = Factory(deadLetters);

        using var response = await AdminClient(factory).PostAsync($"{Route}/replay?all=true&rate={rate}", null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(deadLetters.Calls);
    }

    [Fact]
    public async Task Should_pass_every_filter_and_the_rate_to_the_replay()
    {
        var deadLetters = new RecordingDeadLetters { Replayed = new ReplayResult(9, 2) };
        await using var factory = Factory(deadLetters);
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());

        using var response = await AdminClient(factory).PostAsync(
            $"{Route}/replay?eventId={a}&eventId={b}&eventType=Clicked&emailId=email-7&failedAfter=2026-11-26T08:00:00Z&failedBefore=2026-11-26T10:00:00%2B01:00&rate=2.5", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new ReplayResult(9, 2), await response.Content.ReadFromJsonAsync<ReplayResult>());
        var selection = deadLetters.Selection!;
        Assert.Equal([a, b], selection.EventIds);
        Assert.Equal("Clicked", selection.EventType);
        Assert.Equal("email-7", selection.EmailId);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero), selection.FailedAfter);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero), selection.FailedBefore);
        Assert.False(selection.All);
        Assert.Equal(2.5, deadLetters.Rate);
    }

    [Fact]
    public async Task Should_replay_at_the_configured_rate_when_the_request_names_none()
    {
        var deadLetters = new RecordingDeadLetters();
        await using var factory = new ConsoleFactory(
            new() { ["Console:ReplayRate"] = "12.5" },
            configureServices: s => s.AddSingleton<IDeadLetters>(deadLetters));

        using var response = await AdminClient(factory).PostAsync($"{Route}/replay?all=true", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(deadLetters.Selection!.All);
        Assert.Equal(12.5, deadLetters.Rate);
    }

    [Fact]
    public async Task Should_answer_503_problem_with_the_counts_when_a_replay_stops_early()
    {
        var deadLetters = new RecordingDeadLetters { Replayed = new ReplayResult(5, 2, "The broker refused the event.") };
        await using var factory = Factory(deadLetters);

        using var response = await AdminClient(factory).PostAsync($"{Route}/replay?all=true", null);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>();
        Assert.Contains("2 of 5", problem!.Detail, StringComparison.Ordinal);
        Assert.Contains("still in the dead-letter queue", problem.Detail, StringComparison.Ordinal);
        Assert.Equal(2, ((System.Text.Json.JsonElement)problem.Extensions["replayed"]!).GetInt32());
    }

    [Fact]
    public async Task Should_answer_503_problem_when_the_broker_cannot_be_reached()
    {
        var deadLetters = new RecordingDeadLetters { Unavailable = true };
        await using var factory = Factory(deadLetters);
        var client = AdminClient(factory);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync(Route)).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.DeleteAsync($"{Route}?emailId=e")).StatusCode);
    }

    [Fact]
    public async Task Should_purge_the_selection_and_answer_the_counts()
    {
        var deadLetters = new RecordingDeadLetters { Purged = new PurgeResult(4, 3) };
        await using var factory = Factory(deadLetters);

        using var response = await AdminClient(factory).DeleteAsync($"{Route}?eventType=Spam");

        Assert.Equal(new PurgeResult(4, 3), await response.Content.ReadFromJsonAsync<PurgeResult>());
        Assert.Equal("Spam", deadLetters.Selection!.EventType);
    }

    [Theory]
    [InlineData("short-key")]
    [InlineData("a key with spaces that is long enough to pass")]
    public void Should_fail_to_start_naming_the_key_when_the_admin_key_is_weak(string key)
    {
        var failure = StartupValidation.ConsoleFailure(new Dictionary<string, string?> { ["Console:OperatorKey"] = key });

        Assert.Contains("Console:OperatorKey", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_answer_429_to_every_key_once_a_client_has_presented_ten_wrong_ones()
    {
        var deadLetters = new RecordingDeadLetters();
        await using var factory = Factory(deadLetters);
        var guesser = AdminClient(factory, key: "not-the-admin-key-but-a-guess-0123456789");
        for (var i = 0; i < ConsoleKeys.FailuresPerWindow; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await guesser.GetAsync(DeadLetterEndpoints.Route)).StatusCode);

        var locked = await guesser.GetAsync(DeadLetterEndpoints.Route);
        // From the same address, even the right key waits: a key cannot be guessed at speed.
        var right = await AdminClient(factory).GetAsync(DeadLetterEndpoints.Route);

        Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
        Assert.NotNull(locked.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.TooManyRequests, right.StatusCode);
        Assert.Empty(deadLetters.Calls);
    }

    [Fact]
    public async Task Should_lock_out_only_the_client_behind_the_balancer_that_guessed_and_believe_no_other_hop()
    {
        const string balancer = "10.0.0.5";
        var deadLetters = new RecordingDeadLetters();
        await using var factory = new ConsoleFactory(
            new() { ["Console:OperatorKey"] = ApiKey, ["Network:KnownProxies:0"] = balancer },
            configureServices: s => s.AddSingleton<IDeadLetters>(deadLetters));
        HttpClient Through(string hop, string forwardedFor, string key)
        {
            var client = AdminClient(factory, key);
            client.DefaultRequestHeaders.Add(ApiFactory.ClientIpHeader, hop);
            client.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
            return client;
        }

        var guesser = Through(balancer, "198.51.100.7", "not-the-admin-key-but-a-guess-0123456789");
        for (var i = 0; i < ConsoleKeys.FailuresPerWindow; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await guesser.GetAsync(DeadLetterEndpoints.Route)).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await guesser.GetAsync(DeadLetterEndpoints.Route)).StatusCode);

        // Another operator behind the same balancer is not locked out with the guesser.
        Assert.Equal(HttpStatusCode.OK, (await Through(balancer, "198.51.100.8", ApiKey).GetAsync(DeadLetterEndpoints.Route)).StatusCode);

        // From a hop that is not a known proxy the header is ignored: a guesser cannot spread its guesses over
        // addresses it makes up.
        const string stranger = "192.0.2.99";
        for (var i = 0; i < ConsoleKeys.FailuresPerWindow; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await Through(stranger, $"203.0.113.{i}", "not-the-admin-key-but-a-guess-0123456789").GetAsync(DeadLetterEndpoints.Route)).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Through(stranger, "203.0.113.77", ApiKey).GetAsync(DeadLetterEndpoints.Route)).StatusCode);
    }

    [Fact]
    public async Task Should_list_the_set_aside_events_as_an_escaped_table_and_purge_those_named()
    {
        var id = Guid.NewGuid();
        var setAside = new RecordingSetAside
        {
            Page = new SetAsidePage(1, 0, [new EmailEventSetAside
            {
                SetAsideId = id,
                Provider = "sendgrid",
                ReceivedAt = new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero),
                Path = "$[3]",
                Errors = new Dictionary<string, string[]> { ["$[3].email_id"] = ["email_id must be 1 to 256 printable characters."] },
                RawEvent = "{\"email_id\":\"e\u001b]0;pwned\u0007\"}",
                RawEncoding = "utf-8",
            }]),
        };
        await using var factory = new ConsoleFactory(configureServices: s => s.AddSingleton<ISetAsideEvents>(setAside));
        var client = AdminClient(factory);
        using var asText = new HttpRequestMessage(HttpMethod.Get, SetAsideEndpoints.Route);
        asText.Headers.Accept.ParseAdd("text/plain");

        var table = await (await client.SendAsync(asText)).Content.ReadAsStringAsync();
        var purged = await client.DeleteAsync($"{SetAsideEndpoints.Route}?id={id}");
        var unnamed = await client.DeleteAsync(SetAsideEndpoints.Route);

        Assert.Contains(id.ToString(), table, StringComparison.Ordinal);
        Assert.Contains("$[3].email_id", table, StringComparison.Ordinal);
        Assert.Contains("e\\u001b]0;pwned\\u0007", table, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', table);
        Assert.Equal(HttpStatusCode.OK, purged.StatusCode);
        Assert.Equal([id], setAside.Purged);
        Assert.Equal(HttpStatusCode.BadRequest, unnamed.StatusCode);
    }

    sealed class RecordingSetAside : ISetAsideEvents
    {
        public SetAsidePage Page { get; init; } = new(0, 0, []);
        public List<Guid> Purged { get; } = [];

        public Task<SetAsidePage> ListAsync(int offset, int limit, CancellationToken cancellationToken) => Task.FromResult(Page);

        public Task<SetAsidePurge> PurgeAsync(IReadOnlySet<Guid>? ids, CancellationToken cancellationToken)
        {
            Purged.AddRange(ids ?? new HashSet<Guid>());
            return Task.FromResult(new SetAsidePurge(Page.Total, ids?.Count ?? Page.Total));
        }
    }

    /// <summary>Answers what it is told and records what it was asked.</summary>
    sealed class RecordingDeadLetters : IDeadLetters
    {
        public List<string> Calls { get; } = [];
        public DeadLetterPage Page { get; init; } = new(0, 0, []);
        public DeadLetter? Found { get; init; }
        public ReplayResult Replayed { get; init; } = new(0, 0);
        public PurgeResult Purged { get; init; } = new(0, 0);
        public bool Unavailable { get; init; }
        public DeadLetterSelection? Selection { get; private set; }
        public double Rate { get; private set; }

        public Task<DeadLetterPage> ListAsync(int offset, int limit, CancellationToken cancellationToken) =>
            Answer($"List {offset} {limit}", Page);

        public Task<DeadLetter?> FindAsync(Guid eventId, CancellationToken cancellationToken) =>
            Answer($"Find {eventId}", eventId == Found?.EventId ? Found : null);

        public Task<ReplayResult> ReplayAsync(DeadLetterSelection selection, double eventsPerSecond, IProgress<ReplayResult>? progress, CancellationToken cancellationToken)
        {
            (Selection, Rate) = (selection, eventsPerSecond);
            return Answer("Replay", Replayed);
        }

        public Task<PurgeResult> PurgeAsync(DeadLetterSelection selection, CancellationToken cancellationToken)
        {
            Selection = selection;
            return Answer("Purge", Purged);
        }

        Task<T> Answer<T>(string call, T result)
        {
            Calls.Add(call);
            return Unavailable
                ? Task.FromException<T>(new BrokerUnavailableException("The broker cannot be reached.", new IOException("refused")))
                : Task.FromResult(result);
        }
    }
}
