using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Webhook.Api.Ingestion;
using Webhook.Contracts;
using Webhook.Testing;

namespace Webhook.Tests.Console.Fixtures;

/// <summary>
/// The whole system with its console on the real servers (<see cref="RunningSystem"/>), a known set of events sent
/// through it as a provider sends them (signed POSTs to the API, consumed by the Processor), and a browser. The
/// tests read what the console makes of them; none of them changes the statistics.
/// </summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    public const string AnalystKey = "console-tests-analyst-key-0123456789abcdef";
    public const string OperatorKey = "console-tests-operator-key-0123456789abcdef";

    RunningSystem? _system;

    public RunningSystem System => _system ?? throw new InvalidOperationException("Not initialized.");

    public Browser Browser { get; } = new();

    /// <summary>The days the events occurred on: three days before today (UTC), two days before, yesterday.</summary>
    public DateOnly[] Days { get; } = Enumerable.Range(1, 3).Select(d => DateOnly.FromDateTime(DateTime.UtcNow.Date).AddDays(d - 4)).ToArray();

    public string Prefix { get; } = "console-" + Guid.NewGuid().ToString("N")[..8];

    public string EmailA => Prefix + "-a";
    public string EmailB => Prefix + "-b";
    public string EmailC => Prefix + "-c";

    /// <summary>An email id that is markup: printable, so the intake takes it; every page must show it as text.</summary>
    public string EmailD => Prefix + "-<script>alert(1)</script>";

    /// <summary>What was sent: email, type and when, in the order sent; and the ids the API gave each.</summary>
    public List<(string EmailId, string Type, DateTimeOffset At, Guid EventId)> Sent { get; } = [];

    public HttpClient Analyst { get; private set; } = null!;
    public HttpClient Operator { get; private set; } = null!;

    public Uri ConsoleAddress => System.Console!.BaseAddress;

    public async Task InitializeAsync()
    {
        var launching = Browser.LaunchAsync();
        _system = await RunningSystem.StartAsync(settings: new Dictionary<string, string>
        {
            ["Console__AnalystKey"] = AnalystKey,
            ["Console__OperatorKey"] = OperatorKey,
        }, console: true);
        Analyst = Client(AnalystKey);
        Operator = Client(OperatorKey);
        await launching;

        // Distinct counts, so that every figure the console shows says which events it counted.
        var planned = new List<(string, string, DateTimeOffset)>();
        void Add(string email, string type, int day, int times)
        {
            for (var i = 0; i < times; i++)
                planned.Add((email, type, At(day, 8 + planned.Count % 12, planned.Count)));
        }
        Add(EmailA, EmailEventTypes.Opened, 0, 3);
        Add(EmailA, EmailEventTypes.Clicked, 0, 1);
        Add(EmailB, EmailEventTypes.Opened, 0, 1);
        Add(EmailB, EmailEventTypes.Opened, 1, 2);
        Add(EmailB, EmailEventTypes.Clicked, 1, 2);
        Add(EmailC, EmailEventTypes.Spam, 1, 1);
        Add(EmailA, EmailEventTypes.Opened, 1, 1);
        Add(EmailC, EmailEventTypes.Opened, 2, 1);
        Add(EmailD, EmailEventTypes.Spam, 2, 2);

        var body = "[" + string.Join(",", planned.Select(e =>
            $$"""{"emailId":"{{e.Item1}}","eventType":"{{e.Item2}}","occurredAt":"{{e.Item3.ToString("O", CultureInfo.InvariantCulture)}}"}""")) + "]";
        using var response = await System.Client.SendAsync(Signing.StandardRequest(body));
        if (response.StatusCode != HttpStatusCode.Accepted)
            throw new InvalidOperationException($"The API answered {response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var ids = (await response.Content.ReadFromJsonAsync<AcceptedEvents>())!.EventIds;
        Sent.AddRange(planned.Zip(ids, (p, id) => (p.Item1, p.Item2, p.Item3, id)));
        // A definite signal: the Processor has settled every event of the queue.
        await System.SettleAsync();
        await System.WaitUntilAsync(async () => await System.Dynamo.EventCountAsync(EmailA) + await System.Dynamo.EventCountAsync(EmailB)
            + await System.Dynamo.EventCountAsync(EmailC) + await System.Dynamo.EventCountAsync(EmailD) == Sent.Count, "every event counted");
    }

    DateTimeOffset At(int day, int hour, int minute) =>
        new(Days[day].ToDateTime(new TimeOnly(hour, minute % 60)), TimeSpan.Zero);

    public long Count(DateOnly? day = null, string? type = null, string? email = null) =>
        Sent.Count(e => (day is null || DateOnly.FromDateTime(e.At.UtcDateTime) == day) && (type is null || e.Type == type) && (email is null || e.EmailId == email));

    public string Range => $"from={Days[0]:yyyy-MM-dd}&to={Days[^1]:yyyy-MM-dd}";

    HttpClient Client(string key)
    {
        var client = new HttpClient { BaseAddress = ConsoleAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    public async Task DisposeAsync()
    {
        Analyst?.Dispose();
        Operator?.Dispose();
        await Browser.DisposeAsync();
        if (_system is not null)
            await _system.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ConsoleTestGroup : ICollectionFixture<ConsoleFixture>
{
    public const string Name = "Console on real servers";
}
