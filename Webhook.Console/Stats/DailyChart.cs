using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Webhook.Console.DeadLetters;

namespace Webhook.Console.Stats;

/// <summary>
/// The dashboard's chart, drawn on the server as SVG (no script, nothing from elsewhere): per day, a bar for each
/// event type, its height in proportion to the count. Each bar carries its day, type and count as data attributes and
/// a title, so that what it says can be read (and tested) without measuring it. Every text is escaped.
/// </summary>
public static class DailyChart
{
    const int Width = 960;
    const int Height = 260;
    const int Left = 48;
    const int Bottom = 24;
    const int Top = 12;

    static readonly string[] Colours = ["#2f6fdf", "#2ca05a", "#d9534f", "#8a63d2", "#e0a030", "#5bc0de"];

    public static string ColourOf(int typeIndex) => Colours[typeIndex % Colours.Length];

    public static string Svg(DailyCounts counts)
    {
        var enc = HtmlEncoder.Default;
        var types = counts.Types;
        var max = Math.Max(1, counts.Days.SelectMany(d => d.Counts.Values).DefaultIfEmpty(0).Max());
        var plotWidth = Width - Left - 8.0;
        var plotHeight = Height - Top - Bottom;
        var slot = plotWidth / Math.Max(1, counts.Days.Length);
        var bar = Math.Max(1, (slot - 2) / Math.Max(1, types.Length));
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture,
            $"""<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {Width} {Height}" role="img" aria-label="Events per day and type" data-max="{max}">""");
        // Axis: zero, the largest count, the first and the last day.
        svg.Append(CultureInfo.InvariantCulture, $"""<line x1="{Left}" y1="{Top + plotHeight}" x2="{Width - 8}" y2="{Top + plotHeight}" class="axis"/>""");
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Left - 6}" y="{Top + 4}" class="tick" text-anchor="end">{max}</text>""");
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Left - 6}" y="{Top + plotHeight}" class="tick" text-anchor="end">0</text>""");
        svg.Append(CultureInfo.InvariantCulture, $"""<line x1="{Left}" y1="{Top}" x2="{Width - 8}" y2="{Top}" class="grid"/>""");
        if (counts.Days.Length > 0)
        {
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Left}" y="{Height - 6}" class="tick">{DateRange.Format(counts.Days[0].Day)}</text>""");
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Width - 8}" y="{Height - 6}" class="tick" text-anchor="end">{DateRange.Format(counts.Days[^1].Day)}</text>""");
        }
        for (var d = 0; d < counts.Days.Length; d++)
        {
            var day = counts.Days[d];
            for (var t = 0; t < types.Length; t++)
            {
                var count = day.Counts.GetValueOrDefault(types[t]);
                if (count == 0)
                    continue;
                var h = plotHeight * count / (double)max;
                var x = Left + 1 + d * slot + t * bar;
                var type = enc.Encode(DeadLetterText.Safe(types[t]));
                svg.Append(CultureInfo.InvariantCulture,
                    $"""<rect class="bar" x="{x:0.##}" y="{Top + plotHeight - h:0.##}" width="{bar:0.##}" height="{h:0.##}" fill="{ColourOf(t)}" data-day="{DateRange.Format(day.Day)}" data-type="{type}" data-count="{count}"><title>{DateRange.Format(day.Day)} {type}: {count}</title></rect>""");
            }
        }
        svg.Append("</svg>");
        return svg.ToString();
    }
}
