using System.Globalization;
using System.Text;
using System.Text.Json;
using Webhook.Messaging.DeadLetters;

namespace Webhook.Console.DeadLetters;

/// <summary>
/// Dead letters (and set-aside events) as text for a terminal: a table for a list, labelled lines for one. Every
/// stored text is escaped (<see cref="Safe"/>): a provider's or a failure's text can never move the cursor, change
/// the title, write to the clipboard or reorder what the operator reads.
/// </summary>
public static class DeadLetterText
{
    const int ReasonWidth = 90;

    /// <summary>
    /// The widest the table shows an email id, an event type or a provider: a poison event may carry thousands of
    /// characters in them (the intake takes ids of up to 256), and the table must stay one line per letter. The
    /// details show them whole.
    /// </summary>
    const int EmailIdWidth = 40, NameWidth = 16;
    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string Page(DeadLetterPage page)
    {
        if (page.Items.Count == 0)
        {
            return page.Total == 0
                ? "The dead-letter queue is empty.\n"
                : $"No dead letters from position {page.Offset} on ({page.Total} in the queue).\n";
        }

        string[] header = ["EVENT ID", "TYPE", "EMAIL ID", "PROVIDER", "ATTEMPTS", "REPLAYS", "FIRST FAILED (UTC)", "LAST FAILED (UTC)", "REASON"];
        var rows = page.Items.Select(l => new[]
        {
            l.EventId?.ToString() ?? "-", Cut(Safe(l.EventType ?? "-"), NameWidth), Cut(Safe(l.EmailId ?? "-"), EmailIdWidth),
            Cut(Safe(l.Provider ?? "-"), NameWidth),
            Attempts(l.Attempts), l.Replays.ToString(CultureInfo.InvariantCulture),
            Time(l.FirstFailedAt), Time(l.LastFailedAt), OneLine(l.Reason, ReasonWidth),
        }).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();

        var text = new StringBuilder();
        foreach (var row in rows.Prepend(header))
            text.AppendJoin("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).Append('\n');
        var first = page.Offset + 1;
        var last = page.Offset + page.Items.Count;
        text.Append(CultureInfo.InvariantCulture, $"{first}-{last} of {page.Total} dead letters");
        text.Append(last < page.Total ? $"; next page: offset {last}.\n" : ".\n");
        return text.ToString();
    }

    public static string Details(DeadLetter letter)
    {
        var text = new StringBuilder();
        void Line(string label, string? value) => text.Append(CultureInfo.InvariantCulture, $"{label + ":",-15}{(value is null ? "-" : Safe(value))}\n");

        Line("Event id", letter.EventId?.ToString());
        Line("Event type", letter.EventType);
        Line("Email id", letter.EmailId);
        Line("Provider", letter.Provider);
        Line("Failed in", letter.FailedIn);
        Line("Reason", letter.Reason);
        Line("Exception", letter.ExceptionType);
        Line("Attempts", letter.Attempts is null ? "more than the queue's delivery limit" : Attempts(letter.Attempts));
        Line("Replays", letter.Replays.ToString(CultureInfo.InvariantCulture));
        Line("First failed", Time(letter.FirstFailedAt));
        Line("Last failed", Time(letter.LastFailedAt));
        if (!string.IsNullOrEmpty(letter.StackTrace))
            text.Append("Stack trace:\n").Append(Indent(letter.StackTrace));
        text.Append("Headers:\n");
        foreach (var (key, value) in letter.Headers.OrderBy(h => h.Key, StringComparer.Ordinal))
            text.Append(CultureInfo.InvariantCulture, $"  {Safe(key)}: {OneLine(value, 200)}\n");
        text.Append("Message:\n").Append(Indent(letter.Body is { } body ? JsonSerializer.Serialize(body, Indented) : letter.RawBody ?? ""));
        return text.ToString();
    }

    static string Time(DateTimeOffset? time) => time?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "-";

    static string OneLine(string text, int width)
    {
        var line = Safe(string.Join(' ', text.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
        return Cut(line, width);
    }

    /// <summary>At most <paramref name="width"/> characters, the last an ellipsis when cut; never half a surrogate pair.</summary>
    static string Cut(string text, int width)
    {
        if (text.Length <= width)
            return text;
        var end = width - 1;
        if (char.IsHighSurrogate(text[end - 1]))
            end--;
        return text[..end] + "…";
    }

    static string Indent(string text) =>
        string.Concat(text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n').Select(l => "  " + Safe(l) + "\n"));

    /// <summary>
    /// The text with every character a terminal would act on written as an escape instead: control characters
    /// (ESC, BEL, NUL, line breaks: \u001b, \u0007, …), format characters (bidirectional overrides, zero-width marks),
    /// line and paragraph separators, and unpaired surrogates.
    /// </summary>
    public static string Safe(string? text)
    {
        if (string.IsNullOrEmpty(text))
            return text ?? "";
        StringBuilder? escaped = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var pair = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
            var unsafeChar = char.IsControl(c) || (char.IsSurrogate(c) && !pair && !(char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(text[i - 1])))
                || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
            if (!unsafeChar)
            {
                escaped?.Append(c);
                continue;
            }
            escaped ??= new StringBuilder(text.Length + 16).Append(text, 0, i);
            escaped.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
        }
        return escaped?.ToString() ?? text;
    }

    /// <summary>Attempts, or "&gt;limit" when the broker gave up at its delivery limit without counting them for us.</summary>
    static string Attempts(int? attempts) => attempts?.ToString(CultureInfo.InvariantCulture) ?? ">limit";
}
