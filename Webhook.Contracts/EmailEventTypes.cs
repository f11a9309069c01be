namespace Webhook.Contracts;

/// <summary>The event types that change customer data. Any other type is recorded and counted only.</summary>
public static class EmailEventTypes
{
    /// <summary>The recipient opened the email.</summary>
    public const string Opened = "Opened";

    /// <summary>The recipient clicked a link in the email.</summary>
    public const string Clicked = "Clicked";

    /// <summary>The recipient reported the email as spam.</summary>
    public const string Spam = "Spam";
}
