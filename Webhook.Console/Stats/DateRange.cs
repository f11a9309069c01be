using System.Globalization;

namespace Webhook.Console.Stats;

/// <summary>
/// A range of whole days (UTC), both ends included, from the query string: <c>from</c> and <c>to</c> as
/// <c>yyyy-MM-dd</c>, at most <see cref="MaxDays"/> days. Without them: the <see cref="DefaultDays"/> days up to today.
/// </summary>
public readonly record struct DateRange(DateOnly From, DateOnly To)
{
    public const int MaxDays = 366;
    public const int DefaultDays = 30;

    public int Days => To.DayNumber - From.DayNumber + 1;

    /// <summary>Adds an error to <paramref name="errors"/> for each parameter at fault, keyed by its name; the range when there is none.</summary>
    public static DateRange? Parse(string? from, string? to, DateOnly today, Dictionary<string, string[]> errors)
    {
        var toDay = today;
        var fromDay = today.AddDays(1 - DefaultDays);
        var ok = true;
        if (!string.IsNullOrEmpty(to) && !TryDay(to, out toDay))
        {
            errors["to"] = ["to must be a date, yyyy-MM-dd (for example 2026-11-30)."];
            ok = false;
        }
        if (string.IsNullOrEmpty(from))
            fromDay = toDay.AddDays(1 - DefaultDays);
        else if (!TryDay(from, out fromDay))
        {
            errors["from"] = ["from must be a date, yyyy-MM-dd (for example 2026-11-01)."];
            ok = false;
        }
        if (!ok)
            return null;
        if (toDay < fromDay)
        {
            errors["to"] = ["to must not be before from."];
            return null;
        }
        if (toDay.DayNumber - fromDay.DayNumber + 1 > MaxDays)
        {
            errors["from"] = [$"The range must be at most {MaxDays} days (from {Format(fromDay)} to {Format(toDay)} is {toDay.DayNumber - fromDay.DayNumber + 1})."];
            return null;
        }
        return new DateRange(fromDay, toDay);
    }

    public static string Format(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    static bool TryDay(string text, out DateOnly day) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day);
}
