using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Webhook.Processor.Data.Configurations;

public class EmailProductConfiguration : IEntityTypeConfiguration<EmailProduct>
{
    public void Configure(EntityTypeBuilder<EmailProduct> builder)
    {
        builder.ToTable("email_products");
        builder.HasKey(p => new { p.EmailId, p.ProductId });
        builder.Property(p => p.EmailId).HasColumnName("email_id").HasMaxLength(256);
        builder.Property(p => p.ProductId).HasColumnName("product_id");
        builder.HasOne(p => p.Product).WithMany().HasForeignKey(p => p.ProductId);
    }
}
