/* i18n.c: report labels in English and Chinese. Keys are the English text, so
 * code reads naturally and a missing translation falls back to English. */
#include "dcs_report.h"

#include <string.h>

static const struct { const char *en, *zh; } words[] = {
    {"dcscore site report", "dcscore 数据中心评估报告"},
    {"Signed sources", "签名数据来源"},
    {"The region re-scored each figure above from the signed bundle named here (its SHA-256 digest); the bundle is archived unchanged.",
     "上述每项数值均由区域从此处列出的签名数据包重新计算（以其 SHA-256 摘要标识）；数据包原样存档。"},
    {"Source", "来源"},
    {"Group", "分组"},
    {"Rank in the whole cohort; each cell: the submitted figure and its score", "排名为全体参评单位中的名次；每格为申报数值及其得分"},
    {"No site of this region in the cohort", "参评名单中没有本区域的数据中心"},
    {"Value", "数值"},
    {"Composite", "综合评分"},
    {"withheld", "暂不公布"},
    {"Leaf score", "指标得分"},
    {"Groups", "一级指标分组"},
    {"Indicators", "指标"},
    {"Rank with one weight raised or lowered by", "单项权重上调或下调后的排名，幅度"},
    {"Direction", "方向"},
    {"Normalisation", "标准化方法"},
    {"Local weight", "局部权重"},
    {"Global weight", "全局权重"},
    {"Behind", "落后上一名"},
    {"Confidence", "排名置信度"},
    {"Ranking", "排名"},
    {"Indicators and weights", "指标与权重"},
    {"How each score is made", "得分构成"},
    {"Submitted figure", "申报数值"},
    {"Points", "得分贡献"},
    {"Against the entry above", "与上一名相比"},
    {"Index system", "评价指标体系"},
    {"Expert", "专家"},
    {"first level", "一级指标"},
    {"Matrix", "判断矩阵"},
    {"Date", "日期"},
    {"weighted sum", "加权求和"},
    {"min coverage", "最低覆盖率"},
    {"Aggregate (AIJ, geometric mean) of ", "群组综合（几何平均）："},
    {"the experts", "各专家判断"},
    {"dcscore regional pilot report", "dcscore 区域试点评估报告"},
    {"dcscore procurement ranking", "dcscore 政务云服务商综合评价排名"},
    {"Site", "数据中心"},
    {"region", "区域"},
    {"Period", "统计期"},
    {"to", "至"},
    {"Formula", "公式版本"},
    {"PUE (category %d)", "PUE（第%d类测量点）"},
    {"Coverage", "数据覆盖率"},
    {"Energy split", "能耗构成"},
    {"Part", "部分"},
    {"share of E_DC", "占总能耗比例"},
    {"IT", "IT设备"},
    {"Cooling", "制冷"},
    {"Lighting and other", "照明及其他"},
    {"Unmetered remainder (losses)", "未计量部分（损耗）"},
    {"Power", "功率"},
    {"Per interval", "分时段统计"},
    {"Start", "开始时间"},
    {"coverage", "覆盖率"},
    {"Data quality by channel", "各测点数据质量"},
    {"Channel", "测点"},
    {"Role", "角色"},
    {"Device", "设备"},
    {"Samples", "样本数"},
    {"Flagged", "异常样本"},
    {"Energy kWh / mean", "能耗 kWh / 均值"},
    {"Indicators and verdicts", "指标与评定"},
    {"Indicator", "指标"},
    {"Unit", "单位"},
    {"Note", "说明"},
    {"CUE_IT (effective compute efficiency)", "CUE_IT（有效算力效率）"},
    {"EUE (economic output)", "EUE（经济产出效益）"},
    {"Carbon CUE", "碳利用效率"},
    {"Grade", "能效等级"},
    {"Policy", "政策要求"},
    {"Verdict", "评定"},
    {"met", "符合"},
    {"not met", "不符合"},
    {"not applicable", "不适用"},
    {"Composite score", "综合评分"},
    {"PUE is the ratio of facility energy to IT energy over the same period (ISO/IEC 30134-2).",
     "PUE为同一统计期内数据中心总能耗与IT设备能耗之比（ISO/IEC 30134-2）。"},
    {"The period is shorter than a year: this is an interval PUE, for trending only.",
     "统计期不足一年：此为区间PUE，仅供趋势分析。"},
    {"Coverage is below the threshold: not a result to publish.", "数据覆盖率低于阈值：结果不宜发布。"},
    {"Skipped an unreadable store file:", "已跳过无法读取的存储文件："},
    {"Not publishable:", "不可发布："},
    {"power gaps bridged by its energy counter", "功率缺测时段由同表电能计量补足"},
    {"Grade, policy verdicts and the composite are withheld.", "能效等级、政策评定和综合评分暂不给出。"},
    {"Grade, policy verdicts and composite withheld", "能效等级、政策评定和综合评分暂不给出"},
    {"error", "错误"},
    {"warning", "警告"},
    {"Sites", "数据中心数"},
    {"Effective compute efficiency evaluation", "有效算力效率评估"},
    {"Compliance with the regional limits", "区域能效要求符合情况"},
    {"Distribution", "分布"},
    {"Regional compute-scheduling feed", "区域算力调度数据"},
    {"Rank", "排名"},
    {"Name", "名称"},
    {"Score", "综合评分"},
    {"90 % interval", "90%区间"},
    {"Not ranked", "未参与排名"},
    {"Sensitivity to weights", "权重敏感性"},
    {"Monte-Carlo draws", "蒙特卡洛抽样次数"},
    {"seed", "随机种子"},
    {"This report", "本报告统计期"},
    {"Month to date", "本月累计"},
    {"Year to date", "本年累计"},
    {"From", "起始时间"},
    {"IT load and PUE per interval", "各时段IT负载与PUE"},
    {"qingpu", "青浦 (qingpu)"},
    {"lingang", "临港 (lingang)"},
    {"Meeting every rule", "全部要求符合"},
    {"Ranked", "参与排名"},
    {"Medians, distributions and compliance count the ranked sites only",
     "中位数、分布与符合情况仅统计参与排名的数据中心"},
    {"The composite is the sum of the points", "综合评分为各指标得分点数之和"},
};

const char *dcs_report_tr(dcs_report_lang_t lang, const char *en)
{
    if (lang == DCS_REPORT_ZH || strcmp(en, "qingpu") == 0 || strcmp(en, "lingang") == 0)
        for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
            if (strcmp(words[i].en, en) == 0)
                return lang == DCS_REPORT_ZH ? words[i].zh : en;
    return en;
}

int dcs_report_lang_parse(const char *s, dcs_report_lang_t *out)
{
    if (s && strcmp(s, "en") == 0)
        *out = DCS_REPORT_EN;
    else if (s && strcmp(s, "zh") == 0)
        *out = DCS_REPORT_ZH;
    else
        return -1;
    return 0;
}
