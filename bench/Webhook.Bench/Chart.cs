using System.Globalization;
using System.Text;

namespace Webhook.Bench;

/// <summary>
/// The burst scenario's acknowledgement latency over time, one panel per design (each with its own time axis, since
/// one design takes far longer than the other), on a shared logarithmic latency axis: per time slice, the median
/// and the 99th percentile of the requests that started in it. Plain SVG, written by the tool itself.
/// </summary>
public static class Chart
{
    static readonly int[] Multipliers = [1, 2, 5, 10];
    const int Width = 900, PanelHeight = 230, Left = 70, Right = 20, Top = 50, Gap = 70, Slices = 60;

    public static string Svg(string title, IReadOnlyList<(string Name, Recording Recording)> designs)
    {
        var all = designs.SelectMany(d => d.Recording.Samples).Select(s => Math.Max(s.LatencyMs, 0.1)).ToArray();
        var yMin = Math.Pow(10, Math.Floor(Math.Log10(all.Length == 0 ? 1 : all.Min())));
        var yMax = Math.Pow(10, Math.Ceiling(Math.Log10(all.Length == 0 ? 10 : all.Max())));
        if (yMax <= yMin)
            yMax = yMin * 10;
        var height = Top + designs.Count * (PanelHeight + Gap);
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{Width}" height="{height}" viewBox="0 0 {Width} {height}" font-family="sans-serif" font-size="12">""").Append('\n');
        svg.Append(CultureInfo.InvariantCulture, $"""<rect width="{Width}" height="{height}" fill="white"/>""").Append('\n');
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Left}" y="24" font-size="15" font-weight="bold">{Escape(title)}</text>""").Append('\n');
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Left}" y="40" fill="#555">Per time slice: median (thin) and 99th percentile (thick) of the requests started in it. Latency axis logarithmic.</text>""").Append('\n');

        for (var i = 0; i < designs.Count; i++)
        {
            var (name, recording) = designs[i];
            var top = Top + i * (PanelHeight + Gap) + 20;
            Panel(svg, name, recording, top, yMin, yMax, i == 0 ? "#1f77b4" : "#d62728");
        }
        return svg.Append("</svg>\n").ToString();
    }

    static void Panel(StringBuilder svg, string name, Recording recording, double top, double yMin, double yMax, string colour)
    {
        var plotWidth = Width - Left - Right;
        var seconds = Math.Max(recording.Seconds, 0.001);
        double X(double t) => Left + t / seconds * plotWidth;
        double Y(double ms) => top + PanelHeight - (Math.Log10(Math.Max(ms, yMin)) - Math.Log10(yMin)) / (Math.Log10(yMax) - Math.Log10(yMin)) * PanelHeight;

        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Left}" y="{top - 8:0}" font-weight="bold" fill="{colour}">{Escape(name)}</text>""").Append('\n');
        svg.Append(CultureInfo.InvariantCulture, $"""<rect x="{Left}" y="{top:0}" width="{plotWidth}" height="{PanelHeight}" fill="none" stroke="#999"/>""").Append('\n');
        for (var decade = yMin; decade <= yMax * 1.0001; decade *= 10)
        {
            var y = Y(decade);
            svg.Append(CultureInfo.InvariantCulture, $"""<line x1="{Left}" y1="{y:0.#}" x2="{Width - Right}" y2="{y:0.#}" stroke="#e5e5e5"/>""");
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Left - 6}" y="{y + 4:0.#}" text-anchor="end">{Milliseconds(decade)}</text>""").Append('\n');
        }
        var step = NiceStep(seconds / 8);
        for (var t = 0.0; t <= seconds + 1e-9; t += step)
        {
            var x = X(t);
            svg.Append(CultureInfo.InvariantCulture, $"""<line x1="{x:0.#}" y1="{top + PanelHeight:0}" x2="{x:0.#}" y2="{top + PanelHeight + 4:0}" stroke="#999"/>""");
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{x:0.#}" y="{top + PanelHeight + 17:0}" text-anchor="middle">{t.ToString("0.##", CultureInfo.InvariantCulture)} s</text>""").Append('\n');
        }
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Left + plotWidth / 2}" y="{top + PanelHeight + 34:0}" text-anchor="middle" fill="#555">time since the burst began</text>""").Append('\n');

        var slices = recording.Samples
            .GroupBy(s => Math.Min(Slices - 1, (int)(s.StartSeconds / seconds * Slices)))
            .OrderBy(g => g.Key)
            .Select(g =>
            {
                var sorted = g.Select(s => s.LatencyMs).Order().ToArray();
                return (Time: (g.Key + 0.5) * seconds / Slices, P50: LoadFigures.Percentile(sorted, 0.5), P99: LoadFigures.Percentile(sorted, 0.99));
            })
            .ToList();
        string Points(Func<(double Time, double P50, double P99), double> value) =>
            string.Join(' ', slices.Select(s => string.Create(CultureInfo.InvariantCulture, $"{X(s.Time):0.#},{Y(value(s)):0.#}")));
        svg.Append(CultureInfo.InvariantCulture, $"""<polyline points="{Points(s => s.P99)}" fill="none" stroke="{colour}" stroke-width="2.5"/>""").Append('\n');
        svg.Append(CultureInfo.InvariantCulture, $"""<polyline points="{Points(s => s.P50)}" fill="none" stroke="{colour}" stroke-width="1" stroke-dasharray="4 3"/>""").Append('\n');
    }

    static double NiceStep(double raw)
    {
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(Math.Max(raw, 1e-6))));
        return Multipliers.Select(m => m * magnitude).First(s => s >= raw);
    }

    static string Milliseconds(double ms) => ms >= 1000
        ? (ms / 1000).ToString("0.##", CultureInfo.InvariantCulture) + " s"
        : ms.ToString("0.##", CultureInfo.InvariantCulture) + " ms";

    static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal);
}
