namespace Webhook.Slots;

/// <summary>The first keys of the slots' advisory locks (the second is the slot's number), one class per store.</summary>
public static class SlotLocks
{
    /// <summary>Events' work in PostgreSQL: "whsl".</summary>
    public const int Postgres = 0x7768_736C;

    /// <summary>Events' writes to the statistics in DynamoDB: "whst".</summary>
    public const int Statistics = 0x7768_7374;
}
