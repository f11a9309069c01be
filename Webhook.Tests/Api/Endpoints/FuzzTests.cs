using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using MassTransit.Testing;
using Webhook.Api.Ingestion;
using Webhook.Contracts;
using Webhook.Providers.Parsing;
using Webhook.Testing;
using Webhook.Tests.Fixtures;
using Xunit.Abstractions;

namespace Webhook.Tests.Api.Endpoints;

/// <summary>
/// Random and mutated requests, built from valid signed samples, against every route at once. The test knows which
/// of them it signed validly (the signed parts are still intact); only those may be accepted, and nothing may be
/// published that no accepted answer announced. The seed is printed; FUZZ_SEED replays a run.
/// </summary>
public class FuzzTests(ITestOutputHelper output)
{
    const int RequestsPerRoute = 10_000;
    const int SamplesPerRoute = 200;
    const string Email = "/webhooks/email";
    const string SendGrid = "/webhooks/sendgrid";
    const string Mailgun = "/webhooks/mailgun";
    static readonly string[] Routes = [Email, SendGrid, Mailgun];
    static readonly string[] SignatureHeaders =
        ["webhook-id", "webhook-timestamp", "webhook-signature", "X-Twilio-Email-Event-Webhook-Signature", "X-Twilio-Email-Event-Webhook-Timestamp"];

    /// <summary>
    /// A request to send. <see cref="SignedValues"/>: for Mailgun, the JSON members of the signature block the test
    /// signed (timestamp, token, signature), all of which must still be in the body for it to verify.
    /// </summary>
    sealed record Fuzzed(string Route, byte[] Body, List<KeyValuePair<string, string>> Headers, string? ContentType, bool MayBeAccepted, string[]? SignedValues)
    {
        public string? Token => SignedValues?[1];
    }

    [Fact]
    public async Task Should_never_answer_5xx_nor_accept_or_publish_what_the_test_did_not_sign_validly()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SEED"), CultureInfo.InvariantCulture, out var s) ? s : Random.Shared.Next();
        output.WriteLine($"Fuzz seed: {seed} (FUZZ_SEED={seed} replays this run)");
        var random = new Random(seed);

        await using var factory = new ApiFactory(new() { ["Webhooks:RejectionRateLimit:Permits"] = "100000000" });
        await factory.Harness.Start();
        var client = factory.CreateClient();

        var requests = new List<Fuzzed>(Routes.Length * RequestsPerRoute);
        foreach (var route in Routes)
        {
            var samples = Enumerable.Range(0, SamplesPerRoute).Select(i => Sample(route, i, random)).ToList();
            for (var i = 0; i < RequestsPerRoute; i++)
                requests.Add(Mutate(samples, random));
        }

        var answers = new ConcurrentBag<(Fuzzed Request, HttpStatusCode Status, AcceptedEvents? Accepted)>();
        var started = DateTime.UtcNow;
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (fuzzed, ct) =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, fuzzed.Route) { Content = new ByteArrayContent(fuzzed.Body) };
            if (fuzzed.ContentType is not null)
                request.Content.Headers.TryAddWithoutValidation("Content-Type", fuzzed.ContentType);
            foreach (var (name, value) in fuzzed.Headers)
                request.Headers.TryAddWithoutValidation(name, value);
            var response = await client.SendAsync(request, ct);
            var accepted = response.StatusCode == HttpStatusCode.Accepted ? await response.Content.ReadFromJsonAsync<AcceptedEvents>(ct) : null;
            answers.Add((fuzzed, response.StatusCode, accepted));
        });
        output.WriteLine($"{requests.Count} requests in {(DateTime.UtcNow - started).TotalSeconds:F1} s");

        var serverErrors = answers.Where(a => (int)a.Status >= 500).ToList();
        Assert.True(serverErrors.Count == 0, $"seed {seed}: {serverErrors.Count} answers were 5xx, the first to {serverErrors.FirstOrDefault().Request?.Route}: {Describe(serverErrors.FirstOrDefault().Request)}");
        var wronglyAccepted = answers.Where(a => a.Status == HttpStatusCode.Accepted && !a.Request.MayBeAccepted).ToList();
        Assert.True(wronglyAccepted.Count == 0, $"seed {seed}: {wronglyAccepted.Count} requests were accepted although their signed parts were altered: {Describe(wronglyAccepted.FirstOrDefault().Request)}");
        var replays = answers.Where(a => a.Status == HttpStatusCode.Accepted && a.Request.Route == Mailgun).GroupBy(a => a.Request.Token).Where(g => g.Count() > 1).ToList();
        Assert.True(replays.Count == 0, $"seed {seed}: {replays.Count} Mailgun tokens were accepted more than once");

        var announced = answers.Where(a => a.Accepted is not null).SelectMany(a => a.Accepted!.EventIds).ToHashSet();
        // The harness keeps one entry per message id, and a sample sent twice yields the same event ids, so the
        // comparison is of distinct ids: exactly the announced ones, none other.
        var published = factory.Harness.Published.Select<EmailEventReceived>().Select(p => p.Context.Message.EventId).ToHashSet();
        Assert.True(published.SetEquals(announced), $"seed {seed}: {published.Except(announced).Count()} published events were never announced, {announced.Except(published).Count()} announced ones were not published");

        // Not vacuous: valid requests got through on every route, and most mutations were refused.
        foreach (var route in Routes)
        {
            var onRoute = answers.Where(a => a.Request.Route == route).ToList();
            output.WriteLine($"{route}: " + string.Join(", ", onRoute.GroupBy(a => (int)a.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}×{g.Count()}")));
            // Mailgun accepts each of its samples' tokens once at most, so its floor is lower than the others'.
            Assert.InRange(onRoute.Count(a => a.Status == HttpStatusCode.Accepted), RequestsPerRoute / 200, RequestsPerRoute / 2);
        }
    }

    static string Describe(Fuzzed? request) => request is null ? "" :
        $"{string.Join("; ", request.Headers.Select(h => $"{h.Key}: {h.Value}"))} | {request.ContentType} | {Encoding.UTF8.GetString(request.Body[..Math.Min(request.Body.Length, 300)])}";

    static Fuzzed Sample(string route, int index, Random random)
    {
        var now = DateTimeOffset.UtcNow;
        switch (route)
        {
            case Email:
            {
                var events = Enumerable.Range(0, random.Next(1, 4)).Select(_ =>
                    $$$"""{"emailId":"email-{{{random.Next(1000, 9999)}}}","eventType":"{{{Pick(random, "Opened", "clicked", "SPAM")}}}","occurredAt":"2026-11-2{{{random.Next(0, 9)}}}T10:00:00Z","extra":{"n":{{{random.Next()}}}}}""");
                var body = Encoding.UTF8.GetBytes("[" + string.Join(",", events) + "]");
                var id = $"msg_fuzz_{index}";
                var timestamp = now.ToUnixTimeSeconds();
                return new Fuzzed(route, body,
                [
                    new("webhook-id", id),
                    new("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture)),
                    new("webhook-signature", Signing.Sign(Signing.TestSecret, id, timestamp, body)),
                ], "application/json", true, null);
            }
            case SendGrid:
            {
                var events = Enumerable.Range(0, random.Next(1, 6)).Select(_ =>
                {
                    var emailId = random.Next(2) == 0 ? $",\"email_id\":\"email-{random.Next(1000)}\"" : "";
                    return $$"""{"email":"u{{random.Next(100)}}@example.com","timestamp":{{now.ToUnixTimeSeconds() - random.Next(100000)}},"event":"{{Pick(random, "open", "click", "spamreport", "delivered", "bounce", "processed")}}","sg_message_id":"m{{random.Next(1000)}}.filter0001","sg_event_id":"{{random.Next()}}","url":"https://example.com/{{random.Next(10)}}"{{emailId}} }""";
                });
                var body = Encoding.UTF8.GetBytes("[" + string.Join(",", events) + "]");
                var timestamp = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
                return new Fuzzed(route, body,
                [
                    new("X-Twilio-Email-Event-Webhook-Signature", Signing.SignSendGrid(timestamp, body)),
                    new("X-Twilio-Email-Event-Webhook-Timestamp", timestamp),
                ], "application/json", true, null);
            }
            default:
            {
                var eventData = $$$"""{"event":"{{{Pick(random, "opened", "clicked", "complained", "delivered", "failed")}}}","id":"ev-{{{index}}}-{{{random.Next()}}}","timestamp":{{{(1795000000 + random.NextDouble() * 100000).ToString("F6", CultureInfo.InvariantCulture)}}},"user-variables":{"email_id":"email-{{{random.Next(1000)}}}"},"message":{"headers":{"message-id":"m{{{random.Next(1000)}}}@example.com"} } }""";
                var token = $"fuzz-token-{index}-{random.Next()}";
                var timestamp = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
                var body = Signing.MailgunBody(eventData, now, token: token);
                string[] signed = [$"\"timestamp\":\"{timestamp}\"", $"\"token\":\"{token}\"", $"\"signature\":\"{Signing.SignMailgun(timestamp, token)}\""];
                return new Fuzzed(route, Encoding.UTF8.GetBytes(body), [], "application/json", true, signed);
            }
        }
    }

    static string Pick(Random random, params string[] choices) => choices[random.Next(choices.Length)];

    static Fuzzed Mutate(List<Fuzzed> samples, Random random)
    {
        var sample = samples[random.Next(samples.Count)];
        var source = sample;
        var body = sample.Body;
        var headers = sample.Headers.ToList();
        var contentType = sample.ContentType;

        var mutations = random.Next(10) == 0 ? 0 : random.Next(1, 4);
        for (var m = 0; m < mutations; m++)
        {
            switch (random.Next(14))
            {
                case 0: // flip bytes
                    body = [.. body];
                    for (var i = random.Next(1, 4); i > 0 && body.Length > 0; i--)
                        body[random.Next(body.Length)] = (byte)random.Next(256);
                    break;
                case 1: // insert random bytes
                {
                    var at = random.Next(body.Length + 1);
                    body = [.. body[..at], .. RandomBytes(random, random.Next(1, 16)), .. body[at..]];
                    break;
                }
                case 2: // delete a slice
                {
                    var at = random.Next(body.Length + 1);
                    body = [.. body[..at], .. body[Math.Min(body.Length, at + random.Next(1, 32))..]];
                    break;
                }
                case 3: // truncate
                    body = body[..random.Next(body.Length + 1)];
                    break;
                case 4: // duplicate a slice
                {
                    var at = random.Next(body.Length + 1);
                    var slice = body[at..Math.Min(body.Length, at + random.Next(1, 64))];
                    body = [.. body[..at], .. slice, .. body[at..]];
                    break;
                }
                case 5: // random bytes
                    body = RandomBytes(random, random.Next(0, 2000));
                    break;
                case 6: // random JSON
                    body = Encoding.UTF8.GetBytes(RandomJson(random, 0));
                    break;
                case 7: // another sample's body (a signature for other bytes)
                {
                    source = samples[random.Next(samples.Count)];
                    body = source.Body;
                    break;
                }
                case 8: // drop a header
                    if (headers.Count > 0)
                    {
                        headers.RemoveAt(random.Next(headers.Count));
                    }
                    break;
                case 9: // alter one character of a header
                    if (headers.Count > 0)
                    {
                        var h = random.Next(headers.Count);
                        var value = headers[h].Value.ToCharArray();
                        if (value.Length > 0)
                            value[random.Next(value.Length)] = (char)random.Next(33, 127);
                        headers[h] = new(headers[h].Key, new string(value));
                    }
                    break;
                case 10: // a random value for a signature header
                    headers.Add(new(SignatureHeaders[random.Next(SignatureHeaders.Length)],
                        Pick(random, "", "v1,", "v1,AAAA", "99999999999999999999999", "-1", "MEUCIQ==", new string('A', random.Next(5000)), Convert.ToBase64String(RandomBytes(random, 72)), "0x1f")));
                    break;
                case 11: // content type
                    contentType = Pick(random, "application/json", "application/json; charset=utf-8", "text/plain", "application/cloudevents+json",
                        "application/json; charset=latin1", "multipart/form-data; boundary=x", "", "application/x-www-form-urlencoded", "*/*");
                    break;
                case 12: // structural edit inside the JSON: an unsigned part for Mailgun, signed for the others
                {
                    var text = Encoding.UTF8.GetString(body);
                    var edited = Pick(random, "\"opened\"", "\"open\"", "\"Opened\"", "1795", "email-", "\"id\"", "\"event\"", "\"timestamp\"", "\"message-id\"") is var needle && text.Contains(needle, StringComparison.Ordinal)
                        ? text.Replace(needle, Pick(random, "\"clicked\"", "\"click\"", "null", "[]", "{}", "1e999", "-0", "\"\\u0000\"", "\"x\"", "\"\\ud800\""), StringComparison.Ordinal)
                        : text;
                    body = Encoding.UTF8.GetBytes(edited);
                    break;
                }
                default: // deep nesting appended
                    body = [.. body, .. Encoding.ASCII.GetBytes(new string('[', random.Next(10, 3000)))];
                    break;
            }
        }

        // Mailgun signs a block inside the body; the others sign the whole body and the headers. A mutation may leave
        // the bytes as they were (a byte replaced by itself), so what counts is the result, not what was tried.
        var sent = Encoding.UTF8.GetString(body);
        var mayBeAccepted = sample.Route == Mailgun
            ? source.SignedValues!.All(v => sent.Contains(v, StringComparison.Ordinal))
            : body.AsSpan().SequenceEqual(sample.Body) && SignedHeaders(sample.Route, headers) == SignedHeaders(sample.Route, sample.Headers);
        return new Fuzzed(sample.Route, body, headers, contentType, mayBeAccepted, source.SignedValues);
    }

    /// <summary>
    /// The headers the route's scheme signs or reads, in order, as one string to compare. HttpClient does not send a
    /// header value that is empty, so those do not count; and a signature counts by its bytes, since base64 ignores
    /// the spare low bits of its last character (another character there is the same signature).
    /// </summary>
    static string SignedHeaders(string route, List<KeyValuePair<string, string>> headers) =>
        string.Join("\n", headers.Where(h => h.Value.Length > 0)
            .Where(h => route == Email ? h.Key.StartsWith("webhook-", StringComparison.Ordinal) : h.Key.StartsWith("X-Twilio-", StringComparison.Ordinal))
            .Select(h => $"{h.Key}: {(h.Key.EndsWith("signature", StringComparison.OrdinalIgnoreCase) ? string.Join(' ', h.Value.Split(' ').Select(SignatureBytes)) : h.Value)}"));

    static string SignatureBytes(string entry)
    {
        var (prefix, encoded) = entry.StartsWith("v1,", StringComparison.Ordinal) ? ("v1,", entry[3..]) : ("", entry);
        var bytes = new byte[encoded.Length];
        return Convert.TryFromBase64String(encoded, bytes, out var written) ? prefix + Convert.ToHexString(bytes, 0, written) : entry;
    }

    static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    static string RandomJson(Random random, int depth)
    {
        if (depth > 6)
            return "0";
        return random.Next(depth == 0 ? 2 : 9) switch
        {
            0 => "{" + string.Join(",", Enumerable.Range(0, random.Next(5)).Select(_ =>
                $"\"{Pick(random, "event", "event-data", "signature", "emailId", "eventType", "timestamp", "token", "id", "sg_message_id", "email_id", "x")}\":{RandomJson(random, depth + 1)}")) + "}",
            1 => "[" + string.Join(",", Enumerable.Range(0, random.Next(5)).Select(_ => RandomJson(random, depth + 1))) + "]",
            2 => Pick(random, "0", "-1", "1e400", "123456789012345678901234567890", "1.5", "-0.0", "1795000000"),
            3 => Pick(random, "\"opened\"", "\"open\"", "\"Opened\"", "\"\"", "\"\\u0000\"", "\"\\ud800\"", "\"é\"", $"\"{new string('x', 300)}\""),
            4 => Pick(random, "true", "false", "null"),
            _ => "\"" + random.Next() + "\"",
        };
    }
}
