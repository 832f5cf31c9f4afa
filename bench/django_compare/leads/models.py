"""A lead with the columns of the generated workbook (bench/common.py HEADER)."""
from django.conf import settings
from django.db import models


class Lead(models.Model):
    code = models.CharField(max_length=20, unique=True, null=True, blank=True)      # 线索编号
    company = models.CharField(max_length=200, db_index=True)                        # *公司名称
    contact_name = models.CharField(max_length=120, blank=True, null=True)           # 联系人
    contact_title = models.CharField(max_length=120, blank=True, null=True)          # 职务
    phone = models.CharField(max_length=40, blank=True, null=True, db_index=True)    # 手机号
    email = models.EmailField(max_length=200, blank=True, null=True, db_index=True)  # 邮箱
    source = models.CharField(max_length=40, blank=True, null=True)                  # 线索来源
    industry = models.CharField(max_length=40, blank=True, null=True)                # 客户行业
    region_province = models.CharField(max_length=40, blank=True, null=True, db_index=True)   # 省份
    region_city = models.CharField(max_length=40, blank=True, null=True)             # 城市
    company_size = models.CharField(max_length=40, blank=True, null=True)            # 企业规模
    budget = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)   # 预算
    currency = models.CharField(max_length=3, default='CNY')                         # 币种
    requirement = models.TextField(blank=True, null=True)                            # 需求
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,       # 负责人
                              on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self):
        return f'{self.code or self.pk} {self.company}'
