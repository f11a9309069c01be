using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Webhook.Console.Stats;

/// <summary>
/// Every event of a range written as CSV or NDJSON as it is read, one page of events in memory at a time; for the
/// JSON API and the dashboard's download alike. A failure part-way aborts the response (the client sees it
/// incomplete), never a short file that looks whole.
/// </summary>
public static class EventExport
{
    public static readonly string[] Columns = ["eventId", "emailId", "eventType", "occurredAt", "receivedAt", "provider"];

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string ContentType(string kind) => kind == "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson";

    public static string FileName(DateRange range, string kind) => $"events-{DateRange.Format(range.From)}-{DateRange.Format(range.To)}.{kind}";

    public static async Task WriteAsync(Stream body, StatisticsReader reader, DateRange range, string kind, CancellationToken ct)
    {
        await using var writer = new StreamWriter(body, new UTF8Encoding(false), bufferSize: 64 * 1024);
        if (kind == "csv")
            await writer.WriteAsync(string.Join(',', Columns) + "\n");
        var rows = 0;
        await foreach (var e in reader.ExportAsync(range.From, range.To, ct))
        {
            await writer.WriteAsync(kind == "csv" ? CsvRow(e) : JsonSerializer.Serialize(e, Json) + "\n");
            if (++rows % 1000 == 0)
                await writer.FlushAsync(ct);
        }
    }

    static string CsvRow(StoredEvent e) => string.Join(',',
        e.EventId.ToString(), Csv(e.EmailId), Csv(e.EventType), Time(e.OccurredAt), e.ReceivedAt is { } r ? Time(r) : "", Csv(e.Provider ?? "")) + "\n";

    static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// A CSV field that a spreadsheet reads as the text it is: quoted when it holds a comma, a quote or a line break,
    /// and prefixed with ' when it starts with a character that would make it a formula (=, +, -, @, tab, return).
    /// </summary>
    public static string Csv(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
            value = "'" + value;
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
