#!/usr/bin/env python3
"""Makes the other forms of the visible notice that the reader is tested on.

The notice (../haizhou-2020-notice.txt) is re-saved as a government site would serve it
(an article page inside navigation, a metadata table, share buttons, footer), as GB18030
text, and as a Word document whose items are numbered by Word itself (the numbers are
not in the text). Run from anywhere: python3 make.py  (needs python-docx from PyPI).
The outputs are committed; this script says how they were made.
"""
import html
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOTICE = (HERE.parent / "haizhou-2020-notice.txt").read_text(encoding="utf-8")
LINES = [l for l in NOTICE.splitlines() if l.strip()]
HEADER = [l for l in LINES if "|" in l]
BODY = [l for l in LINES if "|" not in l]
ITEM = re.compile(r"^(\d+)\.(.*)$")


def gb18030():
    (HERE / "haizhou-2020-notice.gb18030.txt").write_bytes(NOTICE.encode("gb18030"))


def page():
    rows = []
    for line in HEADER:
        cells = [c.strip() for c in line.split("|")]
        while cells and cells[-1] == "":
            cells.pop()
        tds = "".join(f'<td class="{"t" if i % 2 == 0 else "v"}">{html.escape(c)}</td>'
                      for i, c in enumerate(cells))
        rows.append(f"<tr>{tds}</tr>")
    title = BODY[0]
    article = []
    for line in BODY[1:]:
        esc = html.escape(line)
        if line.endswith("日") and len(line) < 14 or line == "海州区人民政府":
            article.append(f'<p style="text-align:right">{esc}</p>')
        elif ITEM.match(line):
            # Sites often wrap part of a paragraph in spans and use &nbsp; indents.
            n, rest = ITEM.match(line).groups()
            article.append(f'<p style="text-indent:2em">&nbsp;&nbsp;{n}.<span>{html.escape(rest)}</span></p>')
        else:
            article.append(f'<p style="text-indent:2em">{esc}</p>')
    doc = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="SiteName" content="连云港市海州区人民政府">
<meta name="ArticleTitle" content="{html.escape(title)}">
<title>{html.escape(title)}_政策文件_海州区人民政府</title>
<link rel="stylesheet" href="/css/common.css">
<style>.t{{font-weight:bold}} .nav li{{display:inline}}</style>
<script>var _hmt = _hmt || []; if (1 < 2) {{ document.write("<p>1.统计代码</p>"); }}</script>
</head>
<body>
<div class="top"><a href="/">首页</a> | <a href="/wza">无障碍</a> | <a href="#">长者模式</a></div>
<div class="nav"><ul>
<li><a href="/">首页</a></li><li><a href="/zwgk">政务公开</a></li><li><a href="/zcwj">政策文件</a></li>
<li><a href="/bsfw">办事服务</a></li><li><a href="/hdjl">互动交流</a></li></ul></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a> &gt; 政策文件</div>
<table class="xxgk-meta" cellspacing="0">
{chr(10).join(rows)}
</table>
<div class="article">
<h1>{html.escape(title)}</h1>
<div class="info">发布日期：2020-03-12 09:30 &nbsp; 浏览次数：1024 &nbsp; 【字体：<a>大</a> <a>中</a> <a>小</a>】</div>
<div class="content">
{chr(10).join(article)}
</div>
</div>
<div class="share">分享到：<a>微信</a> <a>微博</a> <a>QQ空间</a></div>
<div class="tools"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
<div class="related"><h3>相关文件</h3><ul>
<li>1.区政府关于印发2019年海州区民生实事分解落实方案的通知</li>
<li>2.区政府办公室关于做好2020年民生实事项目推进工作的通知</li>
<li>3.2019年海州区民生实事完成情况</li></ul></div>
<div class="footer"><p>主办单位：连云港市海州区人民政府办公室 &nbsp; 地址：海州区朐阳门路1号</p>
<p>网站标识码：3207060001 &nbsp; 苏ICP备12345678号-1 &nbsp; 苏公网安备 32070602000001号</p>
<p>版权所有 &copy; 海州区人民政府</p></div>
<script src="/js/jquery.min.js"></script>
</body>
</html>
"""
    (HERE / "haizhou-2020-notice.html").write_text(doc, encoding="utf-8")


def word():
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    d = Document()
    for i, line in enumerate(BODY):
        m = ITEM.match(line)
        if m:
            # Word draws these numbers from the list style; they are not in the text.
            d.add_paragraph(m.group(2), style="List Number")
            continue
        p = d.add_paragraph(line)
        if i == 0 or line.startswith("2020年海州区50件"):
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif line == "海州区人民政府" or (line.endswith("日") and len(line) < 14):
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    d.core_properties.title = BODY[0]
    d.save(HERE / "haizhou-2020-notice.docx")


if __name__ == "__main__":
    gb18030()
    page()
    word()
