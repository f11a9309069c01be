using Webhook.Console.DeadLetters;
using Webhook.Messaging.DeadLetters;

namespace Webhook.Tests.Console.DeadLetters;

/// <summary>What an operator's terminal shows of stored text: never a character the terminal would act on.</summary>
public class DeadLetterTextTests
{
    [Theory]
    [InlineData("a\u0000b", "a\\u0000b")]
    [InlineData("\u001b]52;c;ZWNobyBoaQ==\u0007", "\\u001b]52;c;ZWNobyBoaQ==\\u0007")]
    [InlineData("left\u202eright", "left\\u202eright")]
    [InlineData("zero\u200bwidth", "zero\\u200bwidth")]
    [InlineData("line\u2028break", "line\\u2028break")]
    [InlineData("été 😀 ok", "été 😀 ok")]
    public void Should_escape_every_character_a_terminal_would_act_on(string stored, string shown) =>
        Assert.Equal(shown, DeadLetterText.Safe(stored));

    [Fact]
    public void Should_escape_an_unpaired_surrogate() =>
        Assert.Equal("lone\\ud800", DeadLetterText.Safe("lone" + (char)0xD800));

    [Fact]
    public void Should_escape_the_stored_text_of_a_dead_letter_in_its_list_and_its_details()
    {
        var letter = new DeadLetter
        {
            EventId = Guid.NewGuid(),
            EventType = "Opened",
            EmailId = "email\u001b[2J",
            Provider = "standard",
            Reason = "refused \u001b]0;title\u0007",
            FailedIn = DeadLetterSources.Processor,
            Attempts = 1,
            Replays = 0,
            RawBody = "raw \u001b[31m body",
            Headers = new Dictionary<string, string> { ["x-\u001b"] = "v\u0007" },
        };

        var texts = new[] { DeadLetterText.Page(new DeadLetterPage(1, 0, [letter])), DeadLetterText.Details(letter) };

        Assert.All(texts, text => Assert.DoesNotContain(text, c => c is '\u001b' or '\u0007'));
        Assert.Contains("email\\u001b[2J", texts[0], StringComparison.Ordinal);
        Assert.Contains("raw \\u001b[31m body", texts[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Should_keep_the_table_one_short_line_per_letter_however_long_its_email_id_and_show_it_whole_in_the_details()
    {
        var emailId = "e" + new string('p', 2999);
        var letter = new DeadLetter
        {
            EventId = Guid.NewGuid(),
            EventType = "bounce",
            EmailId = emailId,
            Provider = "test",
            Reason = "22001: value too long for type character varying(256)",
            FailedIn = DeadLetterSources.Processor,
            Attempts = 1,
            Replays = 0,
        };

        var table = DeadLetterText.Page(new DeadLetterPage(1, 0, [letter]));

        Assert.All(table.Split('\n'), line => Assert.InRange(line.Length, 0, 300));
        Assert.Contains(emailId[..39] + "…", table, StringComparison.Ordinal);
        Assert.Contains(emailId, DeadLetterText.Details(letter), StringComparison.Ordinal);
    }
}
