using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using Webhook.Contracts;

namespace Webhook.Messaging.SetAside;

/// <summary>
/// The set-aside events in RabbitMQ's classic queue <c>{Broker:QueueName}_set-aside</c>, read in place the way the
/// dead letters are (<see cref="QueueScan{T}"/>): held while an operation looks at them, given back when it ends.
/// </summary>
public sealed partial class RabbitMqSetAsideEvents(
    OperatorConnection connection,
    IOptions<BrokerOptions> broker,
    ILogger<RabbitMqSetAsideEvents> logger) : ISetAsideEvents
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<SetAsidePage> ListAsync(int offset, int limit, CancellationToken cancellationToken)
    {
        await using var scan = await OpenAsync(cancellationToken);
        var items = new List<EmailEventSetAside>();
        var position = 0;
        while (items.Count < limit && await scan.NextAsync(cancellationToken) is { } message)
        {
            if (position++ >= offset)
                items.Add(message.Value);
        }
        return new SetAsidePage(scan.Present, offset, items);
    }

    public async Task<SetAsidePurge> PurgeAsync(IReadOnlySet<Guid>? ids, CancellationToken cancellationToken)
    {
        int examined = 0, purged = 0;
        await using var scan = await OpenAsync(cancellationToken);
        while (await scan.NextAsync(cancellationToken) is { } message)
        {
            examined++;
            if (ids is not null && !ids.Contains(message.Value.SetAsideId))
                continue;
            await scan.RemoveAsync(message);
            purged++;
        }
        LogPurged(logger, purged, examined);
        return new SetAsidePurge(examined, purged);
    }

    Task<QueueScan<EmailEventSetAside>> OpenAsync(CancellationToken cancellationToken) =>
        connection.ScanAsync(broker.Value.SetAsideQueueName, confirms: false, Read, cancellationToken);

    /// <summary>The record inside MassTransit's envelope; a message that is not one is shown as it is, never thrown on.</summary>
    public static EmailEventSetAside Read(IReadOnlyBasicProperties properties, byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.TryGetProperty("message", out var message)
                && message.Deserialize<EmailEventSetAside>(Json) is { } record)
                return record;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NotSupportedException)
        {
        }
        var utf8 = System.Text.Unicode.Utf8.IsValid(body);
        return new EmailEventSetAside
        {
            SetAsideId = Guid.TryParse(properties.MessageId, out var id) ? id : Guid.Empty,
            Provider = "?",
            ReceivedAt = DateTimeOffset.FromUnixTimeSeconds(properties.Timestamp.UnixTime),
            Path = "$",
            Errors = new Dictionary<string, string[]> { ["$"] = ["The message in the set-aside queue is not a set-aside event."] },
            RawEvent = utf8 ? Encoding.UTF8.GetString(body) : Convert.ToBase64String(body),
            RawEncoding = utf8 ? "utf-8" : "base64",
        };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Purged {Purged} of {Examined} set-aside events")]
    static partial void LogPurged(ILogger logger, int purged, int examined);
}
