use super::*;

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= 1e-9 * want.abs().max(1.0)
}

/// The single quantity in `text`.
fn one(text: &str) -> Quantity {
    let found = find_quantities(text);
    assert_eq!(found.len(), 1, "{text}: {found:?}");
    found.into_iter().next().unwrap()
}

fn check(text: &str, value: f64, unit: &str, op: Op) {
    let q = one(text);
    assert!(
        close(q.value, value),
        "{text}: value {} not {value}",
        q.value
    );
    assert_eq!(q.unit, unit, "{text}");
    assert_eq!(q.op, op, "{text}");
}

fn value(text: &str) -> f64 {
    one(text).value
}

#[test]
fn gold_rows() {
    check("6所", 6.0, "所", Op::Eq);
    check("6.19万平方米", 61900.0, "平方米", Op::Eq);
    check("78个", 78.0, "个", Op::Eq);
    check("提高至20%以上", 20.0, "%", Op::Ge);
    check("100%", 100.0, "%", Op::Eq);
    check("降低0.5%", 0.5, "%", Op::Dec);
    check("950万元", 9_500_000.0, "元", Op::Eq);
    check("不少于20个", 20.0, "个", Op::Ge);
    check("1.2万名", 12000.0, "名", Op::Eq);
    check("稳定在70%以上", 70.0, "%", Op::Ge);
    check("达90%以上", 90.0, "%", Op::Ge);
    check("达100%", 100.0, "%", Op::Eq);
    check("6500亩", 6500.0, "亩", Op::Eq);
    check("1.5万人", 15000.0, "人", Op::Eq);
    check("不低于30次", 30.0, "次", Op::Ge);
    check("300余万元", 3_000_000.0, "元", Op::Ge);
    check("1万平方米", 10000.0, "平方米", Op::Eq);
    check("3200余路", 3200.0, "路", Op::Ge);
    check("提升5个百分点以上", 5.0, "个百分点", Op::Inc);
    check("100场以上", 100.0, "场", Op::Ge);
    check("6000人以上", 6000.0, "人", Op::Ge);
    check("新增3000亩", 3000.0, "亩", Op::Eq);
    let two = find_quantities("30场次1000人次");
    assert_eq!(two.len(), 2);
    assert_eq!((two[0].value, two[0].unit.as_str()), (30.0, "场次"));
    assert_eq!((two[1].value, two[1].unit.as_str()), (1000.0, "人次"));
}

#[test]
fn exact_values_after_scaling() {
    // Read as decimals, so the literal comes out, not a neighbouring float.
    assert_eq!(value("6.19万平方米"), 61900.0);
    assert_eq!(value("1.2万"), 12000.0);
    assert_eq!(value("4.78万亿"), 4.78e12);
    assert_eq!(value("1,100.9亿"), 110_090_000_000.0);
    assert_eq!(value("50元6角三分"), 50.63);
    assert_eq!(value("零点零零零零五"), 5e-5);
}

#[test]
fn arabic() {
    assert_eq!(value("6"), 6.0);
    assert_eq!(value("6.19"), 6.19);
    assert_eq!(value("10,000.233"), 10000.233);
    assert_eq!(value("１．０７５３"), 1.0753);
    assert_eq!(value("９"), 9.0);
    assert_eq!(value("-10000"), -10000.0);
    assert_eq!(value("负三"), -3.0);
    assert_eq!(value(".5"), 0.5);
    assert_eq!(one("6").numerals, Numerals::Arabic);
}

#[test]
fn chinese() {
    for (text, want) in [
        ("六千五百", 6500.0),
        ("两", 2.0),
        ("一万三", 13000.0),
        ("百三", 130.0),
        ("千三", 1300.0),
        ("半百", 50.0),
        ("廿二", 22.0),
        ("卅", 30.0),
        ("五兆六十二亿四万五千二", 5_006_200_045_200.0),
        ("一七二零", 1720.0),
        ("二〇二〇", 2020.0),
        ("六点五", 6.5),
        ("两百点二", 200.2),
        ("壹仟贰佰叁拾肆", 1234.0),
        ("貳拾參", 23.0),
        ("陸萬", 60000.0),
        ("兩千", 2000.0),
        ("一千零一", 1001.0),
        ("十万零一", 100_001.0),
        ("四万万", 4e8),
        (
            "九千八百七十六万五千四百三十二亿九千八百七十六万五千四百三十二",
            9_876_543_298_765_432.0,
        ),
    ] {
        assert!(close(value(text), want), "{text}");
    }
    assert_eq!(one("六千五百").numerals, Numerals::Chinese);
}

#[test]
fn fractions_and_percent() {
    assert!(close(value("三分之一"), 1.0 / 3.0));
    check("百分之二十", 20.0, "%", Op::Eq);
    check("千分之一", 0.1, "%", Op::Eq);
    check("三成", 30.0, "%", Op::Eq);
    check("三成半", 35.0, "%", Op::Eq);
    check("七成六", 76.0, "%", Op::Eq);
    check("20%", 20.0, "%", Op::Eq);
    check("２２％", 22.0, "%", Op::Eq);
    check("5个百分点", 5.0, "个百分点", Op::Eq);
    check("一 百 五 十 个 百 分 点", 150.0, "个百分点", Op::Eq);
    assert!(close(value("三百五又三分之一"), 350.0 + 1.0 / 3.0));
    assert!(close(value("负３分之负一百五十七"), 157.0 / 3.0));
}

#[test]
fn mixed() {
    let q = one("950万元");
    assert_eq!(q.numerals, Numerals::Mixed);
    assert_eq!(q.unit, "元");
    assert_eq!(value("3千"), 3000.0);
    assert_eq!(value("3万4000"), 34000.0);
    assert_eq!(value("1百01"), 101.0);
    assert_eq!(value("200亿零四千230"), 20_000_004_230.0);
}

#[test]
fn stray_spaces() {
    assert_eq!(value("十 余 万"), 100_000.0);
    assert_eq!(value("一百 五 十 二"), 152.0);
    assert_eq!(value("1000  万"), 1e7);
    check("新台币 177.1 亿元", 17_710_000_000.0, "元", Op::Eq);
}

#[test]
fn approximations() {
    check("3200余路", 3200.0, "路", Op::Ge);
    check("300余万元", 3e6, "元", Op::Ge);
    check("500余万", 5e6, "", Op::Ge);
    check("二十几万", 2e5, "", Op::Ge);
    check("惠及1万余人", 10000.0, "人", Op::Ge);
    check("一千多万", 1e7, "", Op::Ge);
}

#[test]
fn pairs_and_dozens() {
    check("三双", 3.0, "双", Op::Eq);
    check("一打", 12.0, "打", Op::Eq);
    check("十打苹果", 120.0, "打", Op::Eq);
    check("五十对耳环", 50.0, "对", Op::Eq);
    // 打 as a verb is no dozen.
    assert_eq!(
        find_quantities("一打造").first().map(|q| q.unit.as_str()),
        Some("")
    );
}

#[test]
fn units() {
    check("两万两", 20000.0, "两", Op::Eq);
    check("12千米", 12.0, "千米", Op::Eq);
    check("一百千瓦", 100.0, "千瓦", Op::Eq);
    check("1兆赫兹", 1.0, "兆赫兹", Op::Eq);
    check("如今身高168cm", 168.0, "cm", Op::Eq);
    check("人民币  50元", 50.0, "元", Op::Eq);
    check("五元三毛", 5.3, "元", Op::Eq);
    check("50元6角三分", 50.63, "元", Op::Eq);
    check("壹拾壹元整", 11.0, "元", Op::Eq);
    check("这台电脑两美元又三美分", 2.03, "美元", Op::Eq);
    check("一吨半", 1.5, "吨", Op::Eq);
    check("两个亿卢布", 2e8, "卢布", Op::Eq);
    check(
        "PM2.5平均浓度控制在38微克/立方米以下",
        38.0,
        "微克/立方米",
        Op::Le,
    );
    check("十大民生实事", 10.0, "大", Op::Eq);
    check("2020年", 2020.0, "年", Op::Eq);
    check("3个", 3.0, "个", Op::Eq);
    check("123", 123.0, "", Op::Eq);
}

#[test]
fn ops() {
    check("不超过30%", 30.0, "%", Op::Le);
    check("控制在5.5%以内", 5.5, "%", Op::Le);
    check("控制在5.5%左右", 5.5, "%", Op::Le);
    check("至少九千块钱以上", 9000.0, "块钱", Op::Ge);
    check("超过250m", 250.0, "m", Op::Ge);
    check("50万元（含）以上", 500_000.0, "元", Op::Ge);
    check("60岁及以上", 60.0, "岁", Op::Ge);
    check("不到1.9万台币", 19000.0, "台币", Op::Le);
    check("增加了20%", 20.0, "%", Op::Inc);
    check("比上年增长8.5%", 8.5, "%", Op::Inc);
    check("提高到60%", 60.0, "%", Op::Eq);
    check("降低至5%", 5.0, "%", Op::Le);
    check("下降到10%以下", 10.0, "%", Op::Le);
    check("降价50%以上", 50.0, "%", Op::Dec);
    check("达到445奈拉", 445.0, "奈拉", Op::Eq);
    check("约4.287亿美元", 428_700_000.0, "美元", Op::Eq);
    check("近700万元", 7e6, "元", Op::Eq);
    check("不低于每人每月1500元", 1500.0, "元", Op::Ge);
    // Money and time change by an amount; counts of things do not.
    check("每人每月提高15元", 15.0, "元", Op::Inc);
    check("减少2小时", 2.0, "小时", Op::Dec);
    check("改造提升50个老旧小区", 50.0, "个", Op::Eq);
    check("新增加3000个", 3000.0, "个", Op::Eq);
}

#[test]
fn spans() {
    let text = "参保率稳定在95％以上，新建学校3所";
    let found = find_quantities(text);
    assert_eq!(found.len(), 2);
    assert_eq!(&text[found[0].span.clone()], "95％以上");
    assert_eq!(&text[found[0].number.clone()], "95");
    assert_eq!(&text[found[1].span.clone()], "3所");
    let text = "投入300余万元";
    let q = one(text);
    assert_eq!(&text[q.number.clone()], "300余万");
    assert_eq!(&text[q.span.clone()], "300余万元");
}

#[test]
fn not_numbers() {
    for text in [
        "统一",
        "进一步",
        "一切",
        "唯一",
        "四川",
        "五台山",
        "陆续",
        "队伍",
        "收拾",
        "零售",
        "千家万户",
        "千方百计",
        "百姓",
        "十分重要",
        "5G基站",
        "维生素B12",
        "长三角",
    ] {
        assert!(find_quantities(text).is_empty(), "{text}");
    }
    // A range dash is no minus sign.
    let found = find_quantities("0-6岁儿童");
    assert!(found.iter().all(|q| q.value >= 0.0), "{found:?}");
    assert!(found.iter().any(|q| q.value == 6.0 && q.unit == "岁"));
    let found = find_quantities("3.5%-4%");
    assert!(found.iter().all(|q| q.value > 0.0), "{found:?}");
}

#[test]
fn parse_whole_number() {
    assert_eq!(parse_number("六千五百"), Some(6500.0));
    assert_eq!(parse_number(" 1.2万 "), Some(12000.0));
    assert_eq!(parse_number("十二"), Some(12.0));
    assert_eq!(parse_number("20%"), Some(20.0));
    assert_eq!(parse_number("一百 五 十 二"), Some(152.0));
    assert_eq!(parse_number("12个"), None);
    assert_eq!(parse_number("abc"), None);
    assert_eq!(parse_number(""), None);
    assert_eq!(parse_number("零分之一"), None);
}

/// A small xorshift generator: no crate, reproducible.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn never_panics_on_random_text() {
    let alphabet: Vec<char> = "0123456789０９.．,，-－负負零〇一二两三四五六七八九十百千万亿兆\
        壹贰叁肆伍陆柒捌玖拾佰仟萬億廿卅半余多几点分之又成个百分点%％元角毛块钱美分打双对\
        人次所平方米千米克瓦以上下内（含）()达到至提高降低不少于超过控制在 \u{3000}aBm²/~"
        .chars()
        .collect();
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut text = String::new();
    for _ in 0..20_000 {
        text.clear();
        let len = (rng.next() % 24) as usize;
        for _ in 0..len {
            text.push(alphabet[(rng.next() % alphabet.len() as u64) as usize]);
        }
        let found = find_quantities(&text);
        let mut last_end = 0;
        for q in &found {
            assert!(q.span.start >= last_end, "{text:?}: {found:?}");
            assert!(q.span.start <= q.number.start && q.number.end <= q.span.end);
            assert!(q.span.end <= text.len());
            assert!(text.is_char_boundary(q.span.start) && text.is_char_boundary(q.span.end));
            assert!(text.is_char_boundary(q.number.end));
            assert!(q.value.is_finite(), "{text:?}");
            last_end = q.span.end;
        }
        let _ = parse_number(&text);
    }
}

#[test]
fn long_inputs_stay_linear() {
    let text = "一兆".repeat(5000) + &"9".repeat(5000) + &"万".repeat(5000);
    let _ = find_quantities(&text);
    let _ = parse_number(&text);
}
