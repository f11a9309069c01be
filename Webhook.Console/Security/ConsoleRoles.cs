namespace Webhook.Console.Security;

/// <summary>The two roles of the console, and the policies that admit them.</summary>
public static class ConsoleRoles
{
    /// <summary>Statistics and export.</summary>
    public const string Analyst = "analyst";

    /// <summary>Everything: statistics, export, events, dead letters, set-aside events.</summary>
    public const string Operator = "operator";

    /// <summary>The JSON API, with a key in X-Api-Key: analysts and operators.</summary>
    public const string ApiStatistics = "api-statistics";

    /// <summary>The JSON API, with a key in X-Api-Key: operators only.</summary>
    public const string ApiOperations = "api-operations";

    /// <summary>The pages, signed in with the cookie: analysts and operators.</summary>
    public const string PageStatistics = "page-statistics";

    /// <summary>The pages, signed in with the cookie: operators only.</summary>
    public const string PageOperations = "page-operations";
}
