using Webhook.Contracts;
using Webhook.Storage;

namespace Webhook.Tests.Storage;

public class StatsTablesTests
{
    static readonly DateTimeOffset At = new(2026, 12, 7, 23, 59, 59, TimeSpan.Zero);

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(17)]
    public void Should_read_the_day_and_type_back_from_a_share_of_a_days_count(int share)
    {
        var key = StatsTables.DayTypeKey(At, EmailEventTypes.Clicked, share);

        Assert.Equal($"2026-12-07#Clicked#{share}", key);
        Assert.Equal((new DateOnly(2026, 12, 7), EmailEventTypes.Clicked), StatsTables.ParseDayTypeKey(key));
    }

    [Fact]
    public void Should_read_a_days_count_kept_before_counts_had_shares()
    {
        Assert.Equal((new DateOnly(2026, 12, 7), EmailEventTypes.Spam), StatsTables.ParseDayTypeKey("2026-12-07#Spam"));
    }

    [Fact]
    public void Should_place_every_share_of_a_day_between_the_days_bounds_the_daily_query_uses()
    {
        // The daily counts ask for "{from}#" to "{to}$"; "Opened" must not be read as a share of "Open" either.
        foreach (var key in new[] { StatsTables.DayTypeKey(At, EmailEventTypes.Opened, 0), StatsTables.DayTypeKey(At, EmailEventTypes.Opened, 255) })
        {
            Assert.True(string.CompareOrdinal(key, "2026-12-07#") > 0);
            Assert.True(string.CompareOrdinal(key, "2026-12-07$") < 0);
        }
        Assert.Equal("Opened", StatsTables.ParseDayTypeKey(StatsTables.DayTypeKey(At, "Opened", 1)).EventType);
    }
}
